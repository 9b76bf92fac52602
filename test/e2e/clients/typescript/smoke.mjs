// Smoke test of the npm package (gen/ts-client) on plain Node, no TypeScript toolchain:
// test/e2e/clients/typescript.test.ts installs the packed tarball outside the repository, starts a
// server and runs this file there with ENGRAM_ADDR (host:port) and ENGRAM_API_KEY set.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ErrorInfoSchema, MemoryChange, MemoryService, WriteOutcome } from "engram-memory-client";

const { ENGRAM_ADDR: addr, ENGRAM_API_KEY: key } = process.env;
assert.ok(addr && key, "ENGRAM_ADDR and ENGRAM_API_KEY must be set");
const memories = createClient(MemoryService, createGrpcTransport({ baseUrl: `http://${addr}` }));
const call = { headers: { authorization: `Bearer ${key}` } };
// A stream that hangs fails the smoke test rather than stalling it. (Not timeoutMs on the watches:
// Connect keeps that timer running after an abort, and with it the process, until it fires.)
setTimeout(() => assert.fail("the smoke test took over a minute"), 60_000).unref();
// The server's database is fresh, but a subject of our own keeps the assertions honest anyway.
const subjectId = `ts-smoke-${randomUUID()}`;
const write = (content) =>
  memories.writeMemory({ memory: { subjectType: "contact", subjectId, kind: "pitch", key: "angle", content } }, call);

const first = await write("Pitched follow-up sequences; angle: time savings");
assert.equal(first.outcome, WriteOutcome.CREATED);
const id = first.memory.id;
const content = "Pitched follow-up sequences; angle: fewer missed leads";
const second = await write(content);
assert.equal(second.outcome, WriteOutcome.UPDATED);
assert.equal(second.memory.id, id);

const filter = { subjectType: "contact", subjectId, kinds: ["pitch"] };
const { memories: listed } = await memories.listMemories({ filter }, call);
assert.deepEqual(
  listed.map((m) => [m.id, m.content]),
  [[id, content]],
);

const found = [];
for await (const result of memories.searchMemories({ query: "missed leads", filter }, call)) {
  found.push(result.memory.id);
}
assert.deepEqual(found, [id]);

await memories.deleteMemory({ id }, call);
assert.deepEqual((await memories.listMemories({ filter }, call)).memories, []);

// Errors carry a google.rpc.ErrorInfo whose reason a program can match on.
const missing = await memories.getMemory({ id: "0190a000-0000-7000-8000-000000000000" }, call).then(
  () => assert.fail("GetMemory of a missing memory succeeded"),
  (err) => ConnectError.from(err),
);
assert.equal(missing.code, Code.NotFound);
assert.deepEqual(
  missing.findDetails(ErrorInfoSchema).map((info) => info.reason),
  ["MEMORY_NOT_FOUND"],
);

// Watch a subject's changes as they commit. Every event carries a cursor, the opening heartbeat's
// included: after a reconnect, afterCursor resumes with exactly the changes that followed it.
const watched = { subjectType: "contact", subjectId: `${subjectId}-watch` };
const note = (content) => memories.writeMemory({ memory: { ...watched, kind: "note", content } }, call);
const notes = ["Prefers email over phone calls", "Signs off on the Q3 budget", "Asked for a demo next Tuesday"];
let cursor = "";
const seen = [];
const live = new AbortController();
for await (const { event } of memories.watchMemories({ filter: watched }, { ...call, signal: live.signal })) {
  if (cursor === "") {
    assert.equal(event.case, "heartbeat", "a stream opens with a heartbeat");
    await note(notes[0]);
    await note(notes[1]);
  }
  cursor = event.value.cursor;
  if (event.case === "change") seen.push(event.value.memory.content);
  if (seen.length === 2) break;
}
live.abort(); // break leaves the loop; abort() ends the call
assert.deepEqual(seen, notes.slice(0, 2));

await note(notes[2]); // while nothing watches
const resumed = [];
const again = new AbortController();
const resume = { filter: watched, afterCursor: cursor };
for await (const { event } of memories.watchMemories(resume, { ...call, signal: again.signal })) {
  if (event.case !== "change") continue;
  assert.equal(event.value.change, MemoryChange.CREATED);
  resumed.push(event.value.memory.content);
  if (event.value.memory.content === notes[2]) break;
}
again.abort();
assert.deepEqual(resumed, notes.slice(2), "the resumed stream delivers the third change alone");

console.log("typescript client smoke: ok");
