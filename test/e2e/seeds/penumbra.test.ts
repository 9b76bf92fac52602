/**
 * Penumbra's `POST /v1/memories` (seeds/penumbra-create-memories.md): its three documented
 * examples verbatim (single, staged, batch) with their WriteReceipts, the staged delta applied
 * later through Engram's staged writes, the field mapping, and its Error shape for 400.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../support/server.js";
import { post, storedMemory, UUID, type Json } from "./seed-support.js";

/** The examples' project: a workspace of that id. */
const PROJECT = "9142fa4d-7aad-4a1b-8f99-b522fd37518d";

let server: TestServer;
let key: string;
beforeAll(async () => {
  server = await startTestServer();
  key = await server.createKey({ workspaceId: PROJECT });
});
afterAll(() => server?.close());

const create = (body: unknown, authorization = `Bearer ${key}`) =>
  post(server, "/v1/memories", { authorization }, body);
const memoryIn = (id: string) => storedMemory(server, id, PROJECT);

/** The documented WriteReceipt's fields, every one of them but shape_id (Engram has no shapes: echoed when given). */
const RECEIPT_KEYS = ["applied", "delta_id", "id", "memories", "project_id", "request_id", "status"];
const ITEM_KEYS = ["content", "delta_entity_id", "id", "name", "status"];

function expectReceiptShape(receipt: Json): void {
  for (const name of RECEIPT_KEYS) expect(receipt).toHaveProperty(name);
  for (const item of receipt.memories as Json[]) for (const name of ITEM_KEYS) expect(item).toHaveProperty(name);
  expect(receipt.delta_id).toMatch(UUID);
  expect(receipt.request_id).toMatch(UUID);
}

describe("the documented examples", () => {
  it("single: one memory, committed, 201 with status applied", async () => {
    const res = await create({
      content: "Enterprise buyers stall on procurement, not price.",
      kind: "observation",
      project_id: PROJECT,
    });
    expect(res.status).toBe(201);
    expectReceiptShape(res.json);
    const id = res.json.id as string;
    expect(id).toMatch(UUID);
    expect(res.json).toMatchObject({
      status: "applied",
      project_id: PROJECT,
      applied: true,
      memories: [
        {
          id,
          delta_entity_id: id,
          content: "Enterprise buyers stall on procurement, not price.",
          name: "Enterprise buyers stall on procurement, not price.",
          status: "applied",
        },
      ],
    });
    expect(await memoryIn(id)).toMatchObject({
      kind: "observation",
      content: "Enterprise buyers stall on procurement, not price.",
    });
  });

  it("staged: apply false answers 202 with the delta, writes nothing, and the delta applies later", async () => {
    const res = await create({
      content: "Renewal risk: champion left in Q2.",
      kind: "signal",
      project_id: PROJECT,
      apply: false,
    });
    expect(res.status).toBe(202);
    expectReceiptShape(res.json);
    expect(res.json).toMatchObject({
      id: null,
      status: "staged",
      project_id: PROJECT,
      applied: false,
      memories: [
        {
          id: null,
          content: "Renewal risk: champion left in Q2.",
          name: "Renewal risk: champion left in Q2.",
          status: "staged",
        },
      ],
    });
    expect(res.json.memories[0].delta_entity_id).toMatch(UUID);

    const delta = res.json.delta_id as string;
    const authorization = { authorization: `Bearer ${key}` };
    const pending = await fetch(`${server.baseUrl}/v1/stagedWrites/${delta}`, { headers: authorization });
    expect(((await pending.json()) as Json).staged_write.state).toBe("pending");
    const applied = await post(server, `/v1/stagedWrites/${delta}:apply`, authorization, {});
    expect(applied.json.staged_write.state).toBe("applied");
    const memory = applied.json.staged_write.results[0].response.memory;
    expect(memory).toMatchObject({ kind: "signal", content: "Renewal risk: champion left in Q2." });
  });

  it("batch: up to 100 memories under one delta, 201 with each memory's id", async () => {
    const res = await create({
      project_id: PROJECT,
      memories: [
        { content: "ACME prefers async demos.", kind: "preference" },
        { content: "Chose Postgres over Mongo for the pilot.", kind: "decision" },
      ],
    });
    expect(res.status).toBe(201);
    expectReceiptShape(res.json);
    expect(res.json).toMatchObject({ status: "applied", applied: true, project_id: PROJECT });
    const items = res.json.memories as Json[];
    expect(items.map((m) => [m.content, m.status])).toEqual([
      ["ACME prefers async demos.", "applied"],
      ["Chose Postgres over Mongo for the pilot.", "applied"],
    ]);
    expect((await memoryIn(items[0]?.id)).kind).toBe("preference");
    expect((await memoryIn(items[1]?.id)).kind).toBe("decision");
  });
});

describe("fields", () => {
  it("subject, scope, forget_after, forget_reason, source_context and shape_id land where documented", async () => {
    const res = await create({
      content: "Budget approved for the Q3 expansion.",
      kind: "fact",
      scope: "project",
      subject: { type: "account", id: "acme", region: "emea" },
      forget_after: "2030-01-01T00:00:00Z",
      forget_reason: "quarterly budget",
      source_context: "CRM note",
      shape_id: "ebe174d1-f979-4cc9-80c2-4ddfb09228fb",
    });
    expect(res.json.shape_id).toBe("ebe174d1-f979-4cc9-80c2-4ddfb09228fb");
    expect(await memoryIn(res.json.id)).toMatchObject({
      subject_type: "account",
      subject_id: "acme",
      visibility: "shared",
      expire_time: "2030-01-01T00:00:00Z",
      metadata: {
        forget_reason: "quarterly budget",
        source_context: "CRM note",
        scope: "project",
        shape_id: "ebe174d1-f979-4cc9-80c2-4ddfb09228fb",
        subject: { region: "emea" },
      },
    });
  });

  it("without a kind the guard classifies it (fact, without an embedder); a content with nothing in it is rejected", async () => {
    const res = await create({
      memories: [{ content: "We decided to move the launch to June." }, { content: "?!" }],
    });
    expect(res.status).toBe(201);
    const [decided, empty] = res.json.memories as Json[];
    expect((await memoryIn(decided?.id)).kind).toBe("fact");
    expect(empty).toMatchObject({ id: null, status: "rejected", outcome: "rejected" });
  });
});

describe("errors: Penumbra's Error shape", () => {
  it.each([
    ["no content", { kind: "fact" }],
    ["an empty batch", { memories: [] }],
    ["101 memories", { memories: Array.from({ length: 101 }, (_, i) => ({ content: `Memory ${i}` })) }],
    ["content and memories at once", { content: "One.", memories: [{ content: "Two." }] }],
    ["an unknown kind", { content: "One.", kind: "rumour" }],
    ["an unknown field", { content: "One.", colour: "red" }],
    ["a bad forget_after", { content: "One.", forget_after: "next tuesday" }],
  ])("400 for %s, and nothing is written", async (_, body) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(Object.keys(res.json).sort()).toEqual(["error", "message", "request_id"]);
    expect(res.json.error).toBe("invalid_request");
    expect(res.json.request_id).toMatch(UUID);
  });

  it("403 for a project that is not the key's, 401 without a key", async () => {
    const other = await create({ content: "Elsewhere.", project_id: "another-project" });
    expect(other.status).toBe(403);
    expect(other.json.error).toBe("forbidden");
    const batch = await create({ memories: [{ content: "Elsewhere.", project_id: "another-project" }] });
    expect(batch.json.message).toMatch(/memories\[0\]\.project_id/);
    expect((await create({ content: "Anyone?" }, "")).status).toBe(401);
  });
});

describe("one operation", () => {
  it("an applied write is one call: it takes one rate-limit token, and a refusal leaves no pending delta", async () => {
    const limited = await startTestServer({ rateLimit: 1 });
    try {
      const authorization = `Bearer ${await limited.createKey({ workspaceId: PROJECT })}`;
      const send = (content: string) => post(limited, "/v1/memories", { authorization }, { content, kind: "fact" });
      // One token a second: staging and then applying as two calls was refused here (429) and left a pending delta.
      const first = await send("The first of two writes in one second.");
      expect(first.status).toBe(201);
      const second = await send("The second of two writes in one second.");
      expect([201, 429]).toContain(second.status);
      const states = await limited.engram.db.em
        .fork()
        .execute<{ state: string }[]>("select state from staged_writes order by id");
      expect(states.map((s) => s.state)).toEqual(second.status === 201 ? ["applied", "applied"] : ["applied"]);
    } finally {
      await limited.close();
    }
  });
});
