/**
 * The abuse suite's history class: agent B, in the same workspace as agent A, probes every read
 * that carries revisions, successors or reasons over every protocol, for a memory A wrote
 * private and then shared, and for a shared memory A superseded with a private one. Nothing of
 * the private revision and no id of the private successor may come back, and every read of what
 * B may read succeeds.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import { memoryClient } from "../../support/clients.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import { ChangeCounter } from "./change-counter.js";
import { Harness, type Probe } from "./harness.js";
import { PROTOCOLS, sendCall, type Call, type Outcome } from "./protocols.js";
import { call, METHODS } from "./scenarios.js";
import { closeSessions } from "./wire.js";
import { aNote } from "../../support/factories/memory.js";

let server: TestServer;
let harness: Harness;
const keys = { agentA: "", agentB: "" };

beforeAll(async () => {
  server = await startTestServer();
  keys.agentA = await server.createKey({ agentId: "agent-a" });
  keys.agentB = await server.createKey({ agentId: "agent-b" });
  harness = new Harness(server.port, await ChangeCounter.install(server.engram.db.em));
});
afterAll(async () => {
  if (harness !== undefined) console.log([harness.summary(), ...harness.classLines()].join("\n"));
  closeSessions();
  await server?.close();
});

it("history and successors: nothing private of agent A's reaches agent B, on any protocol", async () => {
  const a = memoryClient(server.baseUrl, keys.agentA);
  const secret = `door-code-${Date.now()}`;
  const note = (content: string, visibility: Visibility) => aNote("abuse-history", content, { visibility });
  const past = (await a.writeMemory({ memory: note(`the door code is ${secret}`, Visibility.PRIVATE) })).memory!;
  await a.updateMemory({
    id: past.id,
    memory: { content: "the door has a code", visibility: Visibility.SHARED },
    updateMask: { paths: ["content", "visibility"] },
  });
  const old = (await a.writeMemory({ memory: note("Ana works at Globex", Visibility.SHARED) })).memory!;
  const successor = (
    await a.writeMemory({ memory: note("Ana moved to Initech", Visibility.PRIVATE), supersedes: [old.id] })
  ).memory!;

  const forbidden = [secret, successor.id];
  const leaks = (outcome: Outcome) => {
    const text = JSON.stringify(outcome.payload ?? "");
    const seen = forbidden.filter((marker) => text.includes(marker));
    return seen.length > 0 ? `leaked ${seen.join(", ")}` : undefined;
  };
  const later = new Date(Date.now() + 3_600_000).toISOString();
  const everything = { subjectId: "abuse-history", includeSuperseded: true };
  const reads: [string, Call][] = [
    ["B reads the history of a memory once private", call(METHODS.listMemoryRevisions, { id: past.id })],
    ["B pages that history one by one", call(METHODS.listMemoryRevisions, { id: past.id, pageSize: 1 })],
    ["B reads the history of a privately superseded memory", call(METHODS.listMemoryRevisions, { id: old.id })],
    ["B gets the superseded memory", call(METHODS.getMemory, { id: old.id })],
    ["B gets the superseded memory as of later", call(METHODS.getMemory, { id: old.id, asOf: later })],
    ["B lists superseded memories", call(METHODS.listMemories, { filter: everything, pageSize: 500 })],
    ["B lists them as of later", call(METHODS.listMemories, { filter: everything, pageSize: 500, asOf: later })],
    [
      "B searches superseded memories",
      call(METHODS.searchMemories, { query: "Ana Globex", mode: "SEARCH_MODE_KEYWORD", filter: everything }),
    ],
  ];
  const probes: Probe[] = reads.flatMap(([label, c]) =>
    PROTOCOLS.map((protocol): Probe => ({
      label,
      protocol,
      send: () => sendCall({ port: server.port, key: keys.agentB }, protocol, c),
      expect: "accept",
      check: leaks,
    })),
  );
  // Export is an admin's: refused to B, and so nothing in it either.
  probes.push(
    ...PROTOCOLS.map((protocol): Probe => ({
      label: "B exports the workspace",
      protocol,
      send: () => sendCall({ port: server.port, key: keys.agentB }, protocol, call(METHODS.exportMemories, {})),
      codes: ["permission_denied"],
      check: leaks,
    })),
  );
  expect(await harness.run("history-tenancy", probes)).toEqual([]);
});
