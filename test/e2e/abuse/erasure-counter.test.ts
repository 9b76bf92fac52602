/**
 * That the abuse suite would see an erasure it must not allow: the change counter counts the
 * rows an erasure removes and the receipt it keeps, and none for a dry run or a refused
 * erasure; and the harness reports a call answered as refused that erased anyway (as a server
 * would that erased a batch before it found an id it may not take) on every protocol.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { memoryClient } from "../../support/clients.js";
import { codeOf } from "../../support/codes.js";
import { erase } from "../../support/erasure.js";
import { Harness, type Probe } from "./harness.js";
import { PROTOCOLS, sendCall } from "./protocols.js";
import { call, METHODS } from "./scenarios.js";
import { disposable, startErasureWorld, stored, type ErasureWorld } from "./erasure-fixture.js";

let world: ErasureWorld;
beforeAll(async () => {
  world = await startErasureWorld();
});
afterAll(async () => {
  await world?.close();
});

it("the change counter sees an erasure, and no change from a dry run or a refused erasure", async () => {
  const client = memoryClient(world.server.baseUrl, world.keys.eraserA);
  const { ids } = await disposable(world, 2);
  const start = BigInt(await world.counter.changes());
  const dry = await erase(client, { ids, dryRun: true });
  expect(Number(dry.receipt.counts!.memories)).toBe(2);
  expect(await codeOf(erase(client, { ids: [ids[0]!, world.ids.bPrivate] }))).toBe("NotFound");
  expect(await codeOf(erase(client, { ids: [ids[0]!, world.ids.bShared] }))).toBe("PermissionDenied");
  expect(BigInt(await world.counter.changes())).toBe(start);
  expect(await stored(world, ids)).toEqual([...ids].sort());
  // Erasing the first alone deletes its row and its revision, replaces its change-log entry
  // with a tombstone, and keeps a receipt.
  await erase(client, { ids: [ids[0]!] });
  expect(BigInt(await world.counter.changes())).toBeGreaterThanOrEqual(start + 4n);
  expect(await stored(world, ids)).toEqual([ids[1]]);
});

it("the harness reports an erasure answered as a refusal on every protocol, and not a true refusal", async () => {
  // A harness of its own: these probes break its rules on purpose.
  const harness = new Harness(world.server.port, world.counter);
  const written = await Promise.all(PROTOCOLS.map(() => disposable(world, 1)));
  const as = world.as(world.keys.eraserA);
  const faulty = PROTOCOLS.map((protocol, i): Probe => ({
    label: "an erasure a faulty server answers NOT_FOUND",
    protocol,
    send: async () => {
      const outcome = await sendCall(as, protocol, call(METHODS.eraseMemories, { ids: written[i]!.ids }));
      expect(outcome?.code).toBe("ok");
      return { code: "not_found", message: "memory not found" };
    },
  }));
  const refused = PROTOCOLS.map((protocol): Probe => ({
    label: "a true refusal",
    protocol,
    send: () => sendCall(as, protocol, call(METHODS.eraseMemories, { ids: [world.ids.aPrivate, world.ids.bPrivate] })),
    codes: ["not_found"],
  }));
  const failures = await harness.run("faulty-erasures", [...faulty, ...refused]);
  expect(failures).toEqual(
    PROTOCOLS.map((p) => expect.stringMatching(new RegExp(`^${p} .*rejected, but rows changed`))),
  );
  expect(harness.total).toMatchObject({ inputs: 12, mutatedOnReject: 6, rejected4xx: 12 });
  expect(
    await stored(
      world,
      written.flatMap((w) => w.ids),
    ),
  ).toEqual([]);
  expect(await stored(world, [world.ids.aPrivate])).toEqual([world.ids.aPrivate]);
});
