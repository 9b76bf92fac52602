/**
 * SharedMemory's `POST /agent/memory/write` (seeds/sharedmemory-write-memory.md): its documented
 * example verbatim (and the knowledge graph it promises to build), the guard's three verdicts, and its errors (400 validation_failed with
 * details, 403 agent_not_authorized_for_volume, 429).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { realModel } from "../../support/embedders.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import { post, storedMemory, UUID } from "./seed-support.js";

/** The example's volume: a workspace of that id, with a key for the example's agent. */
const VOLUME = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";

let server: TestServer;
let key: string;
beforeAll(async () => {
  server = await startTestServer({}, { embedder: realModel() });
  key = await server.createKey({ workspaceId: VOLUME, agentId: "my-agent" });
});
afterAll(() => server?.close());

const write = (body: unknown, authorization = `Bearer ${key}`) =>
  post(server, "/agent/memory/write", { authorization }, body);

describe("the documented example", () => {
  it("stores the memory and answers 200 with the guard's approval", async () => {
    // The cURL example's body, byte for byte.
    const res = await write(`{
"content": "John Smith is the CTO of Acme Corp. He joined in 2022.",
"volume_id": "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
"memory_type": "factual"
}`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.json).sort()).toEqual(["agent", "confidence", "memory_id", "reason", "status", "volume_id"]);
    expect(res.json).toMatchObject({ status: "approved", agent: "my-agent", volume_id: VOLUME });
    expect(res.json.memory_id).toMatch(UUID);
    expect(res.json.reason).toEqual(expect.any(String));
    expect(res.json.confidence).toBeGreaterThan(0);
    expect(res.json.confidence).toBeLessThanOrEqual(1);
    const memory = await storedMemory(server, res.json.memory_id, VOLUME);
    expect(memory).toMatchObject({
      content: "John Smith is the CTO of Acme Corp. He joined in 2022.",
      kind: "factual",
      subject_type: "volume",
      subject_id: VOLUME,
      agent_id: "my-agent",
      workspace_id: VOLUME,
    });
  });

  it("extracts entities and relationships and builds the knowledge graph, as the page promises", async () => {
    const res = await write({ content: "John Smith is the CTO of Acme Corp. He joined in 2022.", volume_id: VOLUME });
    expect(res.status).toBe(200);
    const graph = await fetch(`${server.baseUrl}/v1/entities/person/john%20smith/graph`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(graph.status).toBe(200);
    const body = (await graph.json()) as {
      entities: { ref: { type: string; id: string }; name: string }[];
      edges: { subject: { id: string }; predicate: string; object: { id: string } }[];
    };
    expect(body.entities).toContainEqual(
      expect.objectContaining({ ref: { type: "person", id: "john smith" }, name: "John Smith" }),
    );
    expect(body.entities).toContainEqual(
      expect.objectContaining({ ref: { type: "organization", id: "acme corp" }, name: "Acme Corp" }),
    );
    expect(body.edges.map((e) => `${e.subject.id} ${e.predicate} ${e.object.id}`)).toEqual(
      expect.arrayContaining(["john smith works_at acme corp", "acme corp co_mentioned john smith"]),
    );
  });
});

describe("the guard's verdicts", () => {
  it("merged: a repeat in other words folds into the memory it repeats", async () => {
    const first = await write({ content: "Acme Corp is based in Toronto, Canada.", volume_id: VOLUME });
    const again = await write({ content: "Acme Corp is based in Toronto in Canada.", volume_id: VOLUME });
    expect(again.json).toMatchObject({ status: "merged", memory_id: first.json.memory_id });
    expect(again.json.reason).toMatch(/near duplicate/);
  });

  it("rejected: nothing worth storing, and no memory id", async () => {
    const res = await write({ content: "... !!! ...", volume_id: VOLUME });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: "rejected", memory_id: null, confidence: 1 });
    expect(res.json.reason).toMatch(/low information/);
  });

  it("classifies the memory type when it is omitted", async () => {
    const res = await write({ content: "The user prefers dark mode in every app.", volume_id: VOLUME });
    expect(res.json.status).toBe("approved");
    expect((await storedMemory(server, res.json.memory_id, VOLUME)).kind).toBe("preference");
  });
});

describe("errors", () => {
  it("400 validation_failed, with details per field, and nothing stored", async () => {
    const res = await write({ volume_id: VOLUME, memory_type: "gossip", colour: "red" });
    expect(res.status).toBe(400);
    expect(res.json.error).toBe("validation_failed");
    const fields = (res.json.details as { field: string }[]).map((d) => d.field).sort();
    expect(fields).toEqual(expect.arrayContaining(["content", "memory_type"]));
    expect(JSON.stringify(res.json.details)).toMatch(/colour/);
    const tooLong = await write({ content: "x".repeat(50_001), volume_id: VOLUME });
    expect(tooLong.json).toMatchObject({ error: "validation_failed", details: [{ field: "content" }] });
    expect((await write("{not json")).json.error).toBe("validation_failed");
  });

  it("403 agent_not_authorized_for_volume for a volume outside the key's workspace", async () => {
    const other = await server.createKey({ agentId: "my-agent" });
    const res = await write({ content: "Sneaky.", volume_id: VOLUME }, `Bearer ${other}`);
    expect(res.status).toBe(403);
    expect(res.json.error).toBe("agent_not_authorized_for_volume");
    const readOnly = await server.createKey({ workspaceId: VOLUME, scopes: ["memory:read"] });
    expect((await write({ content: "Read only.", volume_id: VOLUME }, `Bearer ${readOnly}`)).status).toBe(403);
  });

  it("401 without a key", async () => {
    const res = await write({ content: "Anyone?", volume_id: VOLUME }, "");
    expect(res.status).toBe(401);
    expect(res.json.error).toBe("missing_api_key");
  });

  it("429 Too Many Requests past the key's rate limit, with Retry-After", async () => {
    const limited = await startTestServer({ rateLimit: 1 });
    try {
      const limitedKey = await limited.createKey({ workspaceId: VOLUME });
      const replies = [];
      for (let i = 0; i < 4; i++) {
        replies.push(
          await post(
            limited,
            "/agent/memory/write",
            { authorization: `Bearer ${limitedKey}` },
            {
              content: `Rate limited write number ${i}.`,
              volume_id: VOLUME,
            },
          ),
        );
      }
      const refused = replies.find((r) => r.status === 429);
      expect(refused?.json.error).toBe("Too Many Requests");
      expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    } finally {
      await limited.close();
    }
  });
});
