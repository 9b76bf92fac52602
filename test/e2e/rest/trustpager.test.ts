/**
 * The TrustPager Agent Memory reference's worked example (NurtureAgent pitch tracking,
 * seeds/trustpager-agent-memory-reference.md) run verbatim over the REST gateway, with the
 * requests curl would send: the seed's flat body, its query parameters and its paths.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { realModel } from "../../support/embedders.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import { eventually } from "../../engine/search/search-support.js";
import { newPitchIds, trustPagerPitch } from "../../support/trustpager.js";
import { restJson } from "../../support/clients.js";

let server: TestServer;
let agentKey: string;
const agent = randomUUID();
const ids = newPitchIds();
const { contactId, opportunityId, emailLogId } = ids;

/** The seed's write_memory call, field for field. */
const pitch = { agent_registry_id: agent, ...trustPagerPitch(ids) };

/** Other things the same agent remembers about the same contact, so that search has to choose. */
const OTHER_MEMORIES = [
  "Prefers to be contacted by phone on Tuesday mornings",
  "Their office is moving to Denver in the spring",
  "Security review requires a SOC 2 report before procurement",
  "Competitor quoted a lower price for the starter tier",
  "Mentioned her daughter just started college in Boston",
];

const PARAPHRASES = ["chasing leads by hand takes too long", "understaffed crew overwhelmed by repetitive outreach"];

type Json = Record<string, unknown>;
interface Reply {
  status: number;
  body: Json;
}

async function call(method: string, path: string, body?: unknown): Promise<Reply> {
  const reply = await restJson(server.baseUrl, agentKey, method, path, body);
  expect(reply.headers.get("content-type")).toMatch(/^application\/json/);
  return reply;
}

const memoryOf = (reply: Reply) => reply.body.memory as Json;
const listed = async (query: string) => ((await call("GET", `/v1/memory?${query}`)).body.memories ?? []) as Json[];

beforeAll(async () => {
  server = await startTestServer({}, { embedder: realModel() });
  agentKey = await server.createKey({ scopes: ["memory:read", "memory:write"], agentId: agent });
});
afterAll(async () => {
  await server?.close();
});

describe("NurtureAgent pitch tracking over REST", () => {
  let id: string;
  let afterUpsert: Json;

  it("POST /v1/memory with the seed's body creates the memory: 201, outcome created", async () => {
    const reply = await call("POST", "/v1/memory", pitch);
    expect(reply.status).toBe(201);
    expect(reply.body.outcome).toBe("created");
    const memory = memoryOf(reply);
    id = memory.id as string;
    expect(memory).toMatchObject({
      agent_id: agent,
      subject_type: "contact",
      subject_id: contactId,
      kind: "pitch",
      key: pitch.key,
      content: pitch.content,
      metadata: pitch.metadata,
      linked_entities: pitch.linked_entities,
      tags: pitch.tags,
      source_kind: "email_send",
      source_id: emailLogId,
      visibility: "private",
      state: "active",
    });
    expect(["attached", "pending"]).toContain(memory.embedding_status);
  });

  it("POST again with the same key and body changes nothing: 200, outcome unchanged, one memory", async () => {
    const reply = await call("POST", "/v1/memory", pitch);
    expect(reply.status).toBe(200);
    expect(reply.body.outcome).toBe("unchanged");
    afterUpsert = memoryOf(reply);
    expect(afterUpsert.id).toBe(id);
    expect(await listed(`subject_type=contact&subject_id=${contactId}`)).toHaveLength(1);
  });

  it("GET /v1/memory?subject_type=contact&subject_id=…&kind=pitch lists it, key and all", async () => {
    const memories = await listed(`subject_type=contact&subject_id=${contactId}&kind=pitch`);
    expect(memories.map((m) => [m.id, m.key])).toEqual([[id, "automated-follow-up-sequences"]]);
    // The lookup is exact: the same contact under another subject_type or kind is a different list.
    expect(await listed(`subject_type=opportunity&subject_id=${contactId}&kind=pitch`)).toEqual([]);
    expect(await listed(`subject_type=contact&subject_id=${contactId}&kind=objection`)).toEqual([]);
  });

  it("GET with tag= finds it across subjects", async () => {
    const memories = await listed("tag=feature:follow_up_sequences");
    expect(memories.map((m) => m.id)).toEqual([id]);
    expect(await listed("tag=feature:voice_agents")).toEqual([]);
  });

  it("GET with linked_entity_type= and linked_entity_id= finds it by the linked opportunity", async () => {
    const memories = await listed(`linked_entity_type=opportunity&linked_entity_id=${opportunityId}`);
    expect(memories.map((m) => m.id)).toEqual([id]);
    expect(await listed(`linked_entity_type=opportunity&linked_entity_id=${randomUUID()}`)).toEqual([]);
  });

  it("PATCH /v1/memory/{id} changes the one field it names and nothing else", async () => {
    const reply = await call("PATCH", `/v1/memory/${id}`, { tags: ["feature:follow_up_sequences", "angle:roi"] });
    expect(reply.status).toBe(200);
    const patched = memoryOf(reply);
    expect(patched.tags).toEqual(["feature:follow_up_sequences", "angle:roi"]);
    // The tags' facets are entities the memory mentions (docs/graph.md): those change with them.
    expect(patched.mentions).toContainEqual(
      expect.objectContaining({ entity: { type: "angle", id: "roi" }, role: "tag" }),
    );
    const unchangedFields = (m: Json) => {
      const { tags, mentions, revision, etag, update_time, embedding_status, embedding_model, ...rest } = m;
      void [tags, mentions, revision, etag, update_time, embedding_status, embedding_model];
      return rest;
    };
    expect(unchangedFields(patched)).toEqual(unchangedFields(afterUpsert));
    expect(Number(patched.revision)).toBe(Number(afterUpsert.revision) + 1);
    // GET by id reads back the same state.
    const got = await call("GET", `/v1/memory/${id}`);
    expect(got.status).toBe(200);
    expect(memoryOf(got)).toEqual(patched);
  });

  it("POST /v1/memory/search finds it by the seed's query and by a paraphrase sharing none of its words", async () => {
    for (const content of OTHER_MEMORIES) {
      const reply = await call("POST", "/v1/memory", {
        ...pitch,
        kind: "observation",
        key: undefined,
        content,
        tags: [],
        metadata: {},
      });
      expect(reply.status).toBe(201);
    }
    // Writes embed within a small budget; on a slow machine the worker attaches a moment later.
    await eventually(async () => {
      const memories = await listed(`subject_type=contact&subject_id=${contactId}`);
      return memories.every((m) => m.embedding_status === "attached") ? true : undefined;
    });
    // The seed's own lookup, then paraphrases that share no word with the memory (keyword search finds nothing).
    for (const query of PARAPHRASES) {
      const keyword = await call("POST", "/v1/memory/search", { query, subject_id: contactId, mode: "keyword" });
      expect(keyword.body).toEqual([]);
    }
    for (const query of ["stretched thin on follow-up", ...PARAPHRASES]) {
      const reply = await call("POST", "/v1/memory/search", { query, subject_id: contactId, top_k: 3 });
      expect(reply.status).toBe(200);
      const results = reply.body as unknown as Json[];
      expect(Array.isArray(results)).toBe(true);
      expect((results[0]?.memory as Json).id, query).toBe(id);
      expect(results[0]?.rank).toBe(1);
      expect(results[0]?.score as number).toBeGreaterThan(results[1]?.score as number);
    }
  });

  it("DELETE /v1/memory/{id} soft-deletes it: gone from lists, still there with show_deleted", async () => {
    const reply = await call("DELETE", `/v1/memory/${id}`);
    expect(reply.status).toBe(200);
    expect(memoryOf(reply).state).toBe("deleted");
    expect(await listed(`subject_type=contact&subject_id=${contactId}&kind=pitch`)).toEqual([]);
    const withDeleted = await listed(`subject_type=contact&subject_id=${contactId}&kind=pitch&show_deleted=true`);
    expect(withDeleted.map((m) => [m.id, m.state])).toEqual([[id, "deleted"]]);
  });

  it("POST again with the key revives it: 200, outcome revived, same id, active again", async () => {
    const reply = await call("POST", "/v1/memory", pitch);
    expect(reply.status).toBe(200);
    expect(reply.body.outcome).toBe("revived");
    expect(memoryOf(reply)).toMatchObject({ id, state: "active", content: pitch.content });
    const memories = await listed(`subject_type=contact&subject_id=${contactId}&kind=pitch`);
    expect(memories.map((m) => m.id)).toEqual([id]);
  });
});
