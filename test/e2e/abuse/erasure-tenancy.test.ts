/**
 * The abuse suite's erasure tenancy classes, over every protocol: agent A aims EraseMemories at
 * agent B's and the workspace's memories, names agent B, or calls without the memory:erase
 * scope; another workspace's admin aims at this one's; and receipts are asked for across keys
 * and workspaces. Nothing may be erased, and no receipt, id or content of another may come back.
 */
import { afterAll, beforeAll, it } from "vitest";
import type { Probe } from "./harness.js";
import { ABSENT_ID } from "./erasure-places.js";
import { call, METHODS } from "./scenarios.js";
import {
  erases,
  leaks,
  OTHERS,
  overEvery,
  OWN,
  startErasureWorld,
  type ErasureWorld,
  CLASS_TIMEOUT,
  expectClean,
} from "./erasure-fixture.js";

const eraseCall = (json: Parameters<typeof call>[1]) => call(METHODS.eraseMemories, json);

let world: ErasureWorld;
beforeAll(async () => {
  world = await startErasureWorld();
});
afterAll(async () => {
  await world?.close();
});

type Attempt = [label: string, key: string | null, json: Parameters<typeof call>[1], codes: string[]];

it(
  "agent A erases agent B's and the workspace's memories, names agent B, or lacks the scope",
  async () => {
    const { ids, keys } = world;
    const notFound = ["not_found"];
    const denied = ["permission_denied"];
    const attempts: Attempt[] = [
      ["agent A erases B's private memory", keys.eraserA, { ids: [ids.bPrivate] }, notFound],
      ["agent A erases B's shared memory", keys.eraserA, { ids: [ids.bShared] }, denied],
      ["agent A erases the workspace's ownerless memory", keys.eraserA, { ids: [ids.ownerless] }, denied],
      ["agent A erases its own and B's private memory", keys.eraserA, { ids: [ids.aPrivate, ids.bPrivate] }, notFound],
      ["agent A erases its own and B's shared memory", keys.eraserA, { ids: [ids.aShared, ids.bShared] }, denied],
      ["agent A erases its own and an ownerless memory", keys.eraserA, { ids: [ids.aPrivate, ids.ownerless] }, denied],
      ["agent A dry-runs B's shared memory", keys.eraserA, { ids: [ids.bShared], dryRun: true }, denied],
      ["agent A names agent B with ids", keys.eraserA, { ids: [ids.bShared], agentId: "agent-b" }, denied],
      [
        "agent A names agent B in a filter",
        keys.eraserA,
        { filter: { subjectId: OTHERS, agentId: "agent-b" } },
        denied,
      ],
      [
        "agent A names agent B, dry run",
        keys.eraserA,
        { filter: { subjectId: OTHERS, agentId: "agent-b" }, dryRun: true },
        denied,
      ],
      ["agent B erases A's private memory", keys.eraserB, { ids: [ids.aPrivate] }, notFound],
      ["a key without memory:erase erases its own", keys.writerA, { ids: [ids.aPrivate] }, denied],
      ["a key without memory:erase erases by filter", keys.writerA, { filter: { subjectId: OWN } }, denied],
      ["a key without memory:erase dry-runs", keys.writerA, { filter: { subjectId: OWN }, dryRun: true }, denied],
      ["a read-only key erases", keys.readOnly, { filter: { subjectId: OWN } }, denied],
      ["no key erases", null, { ids: [ids.aPrivate] }, ["unauthenticated"]],
      ["a made-up key erases", "engram_made_up_key", { ids: [ids.aPrivate] }, ["unauthenticated"]],
    ];
    const probes = [
      ...attempts.flatMap(([label, key, json, codes]) =>
        overEvery(world, label, key, eraseCall(json), { codes, errorInfo: codes[0] !== "unauthenticated" }),
      ),
      // Accepted, as agent A's selection: only A's own memories, of which this subject has none.
      ...overEvery(
        world,
        "agent A erases by a subject only others have",
        keys.eraserA,
        eraseCall({ filter: { subjectId: OTHERS } }),
        {
          expect: "accept",
          check: erases(0),
        },
      ),
      ...overEvery(
        world,
        "agent A erases by filter, owner agent B",
        keys.eraserA,
        eraseCall({ filter: { kinds: ["note"] }, ownerAgentId: "agent-b" }),
        { expect: "accept", check: erases(0) },
      ),
      // agent_id names the acting agent beside a filter too: a bound key naming another is refused.
      ...overEvery(
        world,
        "agent A erases by filter, agent B named beside it",
        keys.eraserA,
        eraseCall({ filter: { subjectId: OTHERS }, agentId: "agent-b" }),
        { codes: denied, errorInfo: true },
      ),
    ];
    await expectClean(world, "erase-tenancy-agents", probes);
  },
  CLASS_TIMEOUT,
);

it(
  "another workspace's admin erases this workspace's memories, by id and by filter",
  async () => {
    const { ids, keys } = world;
    const attempts: Attempt[] = [
      ["workspace B erases A's memory", keys.otherAdmin, { ids: [ids.aPrivate] }, ["not_found"]],
      ["workspace B erases a shared memory", keys.otherAdmin, { ids: [ids.bShared] }, ["not_found"]],
      ["workspace B erases an ownerless memory", keys.otherAdmin, { ids: [ids.ownerless] }, ["not_found"]],
      [
        "workspace B erases its own and A's",
        keys.otherAdmin,
        { ids: [ids.otherWorkspace, ids.aShared] },
        ["not_found"],
      ],
      ["workspace A's admin erases workspace B's", keys.admin, { ids: [ids.otherWorkspace] }, ["not_found"]],
      ["agent A erases workspace B's", keys.eraserA, { ids: [ids.otherWorkspace] }, ["not_found"]],
    ];
    const probes = [
      ...attempts.flatMap(([label, key, json, codes]) => overEvery(world, label, key, eraseCall(json), { codes })),
      // An admin's filter takes its own workspace's memories: here, none of this subject.
      ...overEvery(
        world,
        "workspace B erases by A's subject",
        keys.otherAdmin,
        eraseCall({ filter: { subjectId: OWN } }),
        {
          expect: "accept",
          check: erases(0),
        },
      ),
      ...overEvery(
        world,
        "workspace B erases agent A's by owner",
        keys.otherAdmin,
        eraseCall({ filter: { kinds: ["note"] }, ownerAgentId: "agent-a" }),
        { expect: "accept", check: erases(0) },
      ),
    ];
    await expectClean(world, "erase-tenancy-workspaces", probes);
  },
  CLASS_TIMEOUT,
);

it(
  "receipts of another key and another workspace, without the scope, and bad page tokens and ids",
  async () => {
    const { keys, receipts } = world;
    const get = (label: string, key: string | null, id: string, shape: Partial<Probe>) =>
      overEvery(world, label, key, call(METHODS.getErasureReceipt, { id }), shape);
    const list = (label: string, key: string | null, json: Parameters<typeof call>[1], shape: Partial<Probe>) =>
      overEvery(world, label, key, call(METHODS.listErasureReceipts, json), shape);
    const notFound = { codes: ["not_found"], errorInfo: true };
    const invalid = { codes: ["invalid_argument"], errorInfo: true };
    const denied = { codes: ["permission_denied"], errorInfo: true };
    const probes = [
      ...get("agent A gets B's receipt", keys.eraserA, receipts.b, notFound),
      ...get("agent A gets workspace B's receipt", keys.eraserA, receipts.other, notFound),
      ...get("agent B gets A's receipt", keys.eraserB, receipts.a, notFound),
      ...get("workspace B gets A's receipt", keys.otherAdmin, receipts.a, notFound),
      ...get("workspace A's admin gets workspace B's receipt", keys.admin, receipts.other, notFound),
      ...get("a key without memory:erase gets A's receipt", keys.writerA, receipts.a, denied),
      ...get("a receipt id not a UUID", keys.eraserA, "not-a-receipt", notFound),
      ...get("a receipt id in upper case of B's", keys.eraserA, receipts.b.toUpperCase(), notFound),
      ...get("a receipt id that names nothing", keys.admin, ABSENT_ID, notFound),
      ...get("an empty receipt id", keys.eraserA, "", { codes: ["invalid_argument", "not_found"] }),
      ...get("a receipt id with NUL", keys.eraserA, `${receipts.a}\u0000`, invalid),
      ...get("agent A gets its own receipt", keys.eraserA, receipts.a, { expect: "accept" }),
      ...get("workspace A's admin gets B's receipt", keys.admin, receipts.b, { expect: "accept" }),
      ...list("a key without memory:erase lists receipts", keys.writerA, {}, denied),
      ...list("a read-only key lists receipts", keys.readOnly, {}, denied),
      ...list("no key lists receipts", null, {}, { codes: ["unauthenticated"] }),
      ...list(
        "agent A lists receipts",
        keys.eraserA,
        { pageSize: 500 },
        {
          expect: "accept",
          check: leaks([receipts.b, receipts.other]),
        },
      ),
      ...list(
        "workspace B lists receipts",
        keys.otherAdmin,
        { pageSize: 500 },
        {
          expect: "accept",
          check: leaks([receipts.a, receipts.b]),
        },
      ),
      ...list(
        "agent A pages from B's receipt",
        keys.eraserA,
        { pageToken: receipts.b },
        {
          expect: "either",
          check: leaks([receipts.b, receipts.other]),
        },
      ),
      ...list(
        "agent A pages from the last possible id",
        keys.eraserA,
        { pageToken: "ffffffff-ffff-ffff-ffff-ffffffffffff" },
        {
          expect: "either",
          check: leaks([receipts.b, receipts.other]),
        },
      ),
      ...["not a token", "!!!***", "eyJpIjoiMDE5MCJ9", `${receipts.a}x`, "1 or 1=1"].flatMap((pageToken) =>
        list(`page_token ${JSON.stringify(pageToken)}`, keys.admin, { pageToken }, invalid),
      ),
      ...list("page_size -1", keys.admin, { pageSize: -1 }, invalid),
      ...list("page_size 2^31", keys.admin, { pageSize: 2147483648 }, { codes: ["invalid_argument"] }),
    ];
    await expectClean(world, "erase-receipts", probes);
  },
  CLASS_TIMEOUT,
);

it("never a 5xx, a crash or an erasure for a refused erasure or receipt request", () => {
  world.harness.expectHarmless(250);
});
