/**
 * The erasure classes' world: a server whose workspace holds agent A's, agent B's (private and
 * shared) and ownerless memories, a memory of another workspace, the receipts of three erasers,
 * and keys to aim at them. Every refused probe aims at memories that must outlive it; the
 * erasures that are meant to succeed take memories written for them alone.
 */
import { expect } from "vitest";
import { Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import { memoryClient } from "../../support/clients.js";
import { erase, ERASER_SCOPES } from "../../support/erasure.js";
import { aNote } from "../../support/factories/memory.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import { ChangeCounter } from "./change-counter.js";
import { Harness, type Probe } from "./harness.js";
import { PROTOCOLS, sendCall, type Call, type Outcome, type Protocol, type Target } from "./protocols.js";
import { closeSessions } from "./wire.js";

/** The subject of agent A's seeded memories: an erasure by A that takes them was refused by mistake. */
export const OWN = "erase-own";
/** The subject of agent B's, the workspace's and the other workspace's seeded memories: A may take none. */
export const OTHERS = "erase-others";

export interface ErasureWorld {
  server: TestServer;
  harness: Harness;
  counter: ChangeCounter;
  keys: {
    admin: string;
    /** Bound to agent A / agent B, with memory:erase. */
    eraserA: string;
    eraserB: string;
    /** Bound to agent A, reading and writing only. */
    writerA: string;
    readOnly: string;
    /** An admin of another workspace. */
    otherAdmin: string;
  };
  ids: {
    aPrivate: string;
    aShared: string;
    bPrivate: string;
    bShared: string;
    ownerless: string;
    otherWorkspace: string;
  };
  /** Ids of receipts kept for erasures by agent A, agent B and the other workspace's admin. */
  receipts: { a: string; b: string; other: string };
  /** What no probe by agent A or the other workspace may ever read back. */
  secrets: { bPrivate: string };
  as(key: string | null): Target;
  close(): Promise<void>;
}

let serial = 0;

export async function startErasureWorld(): Promise<ErasureWorld> {
  const server = await startTestServer();
  const keys = {
    admin: server.adminKey,
    eraserA: await server.createKey({ agentId: "agent-a", scopes: ERASER_SCOPES }),
    eraserB: await server.createKey({ agentId: "agent-b", scopes: ERASER_SCOPES }),
    writerA: await server.createKey({ agentId: "agent-a" }),
    readOnly: await server.createKey({ scopes: ["memory:read"] }),
    otherAdmin: await server.createKey({
      workspaceId: `${server.workspaceId}-other`,
      scopes: ["admin", "memory:read", "memory:write"],
    }),
  };
  const secrets = { bPrivate: `erase-secret-${Date.now()}` };
  const note = async (key: string, content: string, visibility?: Visibility, subjectId = OTHERS) =>
    (await memoryClient(server.baseUrl, key).writeMemory({ memory: aNote(subjectId, content, { visibility }) })).memory!
      .id;
  const ids = {
    aPrivate: await note(keys.eraserA, "agent a's private memory", Visibility.PRIVATE, OWN),
    aShared: await note(keys.eraserA, "agent a's shared memory", Visibility.SHARED, OWN),
    bPrivate: await note(keys.eraserB, `${secrets.bPrivate} private to agent b`, Visibility.PRIVATE),
    bShared: await note(keys.eraserB, "agent b's shared memory", Visibility.SHARED),
    ownerless: await note(keys.admin, "a memory of the whole workspace"),
    otherWorkspace: await note(keys.otherAdmin, "a memory of another workspace"),
  };
  const receiptOf = async (key: string) => {
    const client = memoryClient(server.baseUrl, key);
    const id = (await client.writeMemory({ memory: aNote(`receipt-${++serial}`, "erased for a receipt") })).memory!.id;
    return (await erase(client, { ids: [id] })).receipt.id;
  };
  const receipts = {
    a: await receiptOf(keys.eraserA),
    b: await receiptOf(keys.eraserB),
    other: await receiptOf(keys.otherAdmin),
  };
  const counter = await ChangeCounter.install(server.engram.db.em);
  const harness = new Harness(server.port, counter);
  return {
    server,
    harness,
    counter,
    keys,
    ids,
    receipts,
    secrets,
    as: (key) => ({ port: server.port, key }),
    async close() {
      if (harness.total.inputs > 0) console.log([harness.summary(), ...harness.classLines()].join("\n"));
      closeSessions();
      await server.close();
    },
  };
}

/** The seeded memories as stored, to compare before and after a class. */
export async function victimRows(world: ErasureWorld): Promise<unknown> {
  return world.server.engram.db.em
    .fork()
    .execute(`select t::text as row from memories t where id in (?) order by id`, [Object.values(world.ids)]);
}

/** Memories of agent A's written for erasures that are meant to succeed: their ids and their subject. */
export async function disposable(world: ErasureWorld, n: number): Promise<{ ids: string[]; subjectId: string }> {
  const subjectId = `erase-disposable-${++serial}`;
  const client = memoryClient(world.server.baseUrl, world.keys.eraserA);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push((await client.writeMemory({ memory: aNote(subjectId, `disposable ${serial}.${i}`) })).memory!.id);
  }
  return { ids, subjectId };
}

/** Of these ids, those still stored. */
export async function stored(world: ErasureWorld, ids: string[]): Promise<string[]> {
  const rows = await world.server.engram.db.em
    .fork()
    .execute<{ id: string }[]>(`select id::text as id from memories where id in (?) order by id`, [ids]);
  return rows.map((r) => r.id);
}

/**
 * How many memories an answer's receipt says were erased (or a dry run would erase), on every
 * protocol's shape of it; undefined when the answer holds no receipt. Proto3 JSON leaves a zero out.
 */
export function erasedBy(outcome: Outcome): number | undefined {
  const text = JSON.stringify(outcome.payload ?? "");
  if (!text.includes('"receipt"')) return undefined;
  const counts = [...text.matchAll(/"memories":"?(\d+)"?/g)].map((m) => Number(m[1]));
  return Math.max(0, ...counts);
}

/** A check that the answer's receipt counts `n` memories. */
export const erases = (n: number) => (outcome: Outcome) => {
  const count = erasedBy(outcome);
  return count === n ? undefined : `expected a receipt of ${n} erased, got ${count ?? "no receipt"}`;
};

/** A check that none of these texts (contents, ids) is in the answer. */
export const leaks = (forbidden: string[]) => (outcome: Outcome) => {
  const text = JSON.stringify(outcome.payload ?? "");
  const seen = forbidden.filter((marker) => text.includes(marker));
  return seen.length > 0 ? `leaked ${seen.join(", ")}` : undefined;
};

/** One call by one key over each protocol that can carry it. */
export function overEvery(
  world: ErasureWorld,
  label: string,
  key: string | null,
  c: Call,
  shape: Partial<Probe> = {},
  protocols: Protocol[] = PROTOCOLS,
): Probe[] {
  return protocols.map((protocol) => ({
    label,
    protocol,
    send: () => sendCall(world.as(key), protocol, c),
    ...shape,
  }));
}

/** The probe, also failing when its call changed any row (a dry run must change none). */
export function changesNothing(world: ErasureWorld, probe: Probe): Probe {
  let changed = false;
  return {
    ...probe,
    send: async () => {
      const before = await world.counter.changes();
      const outcome = await probe.send();
      changed = (await world.counter.changes()) !== before;
      return outcome;
    },
    check: (outcome) => (changed ? "rows changed" : probe.check?.(outcome)),
  };
}

/** A class's timeout: each probe goes over every protocol. */
export const CLASS_TIMEOUT = 120_000;

/** Runs a class: its probes must all behave, and the seeded memories be as they were. */
export async function expectClean(world: ErasureWorld, name: string, probes: Probe[]): Promise<void> {
  const before = await victimRows(world);
  expect(await world.harness.run(name, probes)).toEqual([]);
  expect(await victimRows(world)).toEqual(before);
}
