/**
 * The MCP server, driven by the SDK's own client over both transports: Streamable HTTP at
 * /mcp on the server, and `engram mcp` over stdio as a client of the same server.
 */
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../engine/search/search-support.js";
import { realModel, realReranker } from "../../support/embedders.js";
import { ERASER_SCOPES } from "../../support/erasure.js";
import { startTestServer, type TestServer } from "../../support/server.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type TransportKind = "streamable-http" | "stdio";

const ENGRAM = fileURLToPath(new URL("../../../bin/engram.js", import.meta.url));
const TOOLS = [
  "apply_staged_write",
  "delete_memory",
  "discard_staged_write",
  "entity_graph",
  "entity_paths",
  "erase_memories",
  "get_entity",
  "get_memory",
  "get_staged_write",
  "list_entities",
  "list_memory",
  "list_staged_writes",
  "memory_history",
  "merge_entities",
  "search_memory",
  "stage_memory_writes",
  "undo_entity_merge",
  "unsupersede_memory",
  "update_memory",
  "write_memory",
];

let server: TestServer;
const clients: Client[] = [];

beforeAll(async () => {
  server = await startTestServer({}, { embedder: realModel(), reranker: realReranker(), awaitReranker: true });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server?.close();
});

async function connect(kind: TransportKind, apiKey: string): Promise<Client> {
  const client = new Client({ name: "engram-test", version: "1.0.0" });
  const transport =
    kind === "streamable-http"
      ? new StreamableHTTPClientTransport(new URL(`${server.baseUrl}/mcp`), {
          requestInit: { headers: { authorization: `Bearer ${apiKey}` } },
        })
      : new StdioClientTransport({
          command: process.execPath,
          args: [ENGRAM, "mcp", "--url", server.baseUrl],
          env: { ...(process.env as Record<string, string>), ENGRAM_API_KEY: apiKey },
          stderr: "pipe",
        });
  await client.connect(transport);
  clients.push(client);
  return client;
}

async function call(client: Client, name: string, args: Json): Promise<{ error: boolean; text: string; json: Json }> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
  return { error: result.isError === true, text, json: result.isError ? {} : (JSON.parse(text) as Json) };
}

async function ok(client: Client, name: string, args: Json): Promise<Json> {
  const result = await call(client, name, args);
  expect(result.error, result.text).toBe(false);
  return result.json;
}

describe.each<TransportKind>(["streamable-http", "stdio"])("MCP over %s", (kind) => {
  const agent = randomUUID();
  const contactId = randomUUID();
  const opportunityId = randomUUID();
  let client: Client;

  beforeAll(async () => {
    client = await connect(kind, await server.createKey({ agentId: agent }));
  });

  it("lists the twenty tools with schemas that state their limits", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
    const byName: Json = Object.fromEntries(tools.map((t) => [t.name, t]));
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe("object");
      expect(tool.description!.length).toBeGreaterThan(80);
    }
    const write = byName.write_memory;
    expect(write.inputSchema.required).toEqual(expect.arrayContaining(["subject_type", "content"]));
    expect(write.inputSchema.required).not.toContain("kind");
    expect(write.inputSchema.properties.content.maxLength).toBe(50000);
    expect(write.inputSchema.properties.tags).toMatchObject({ type: "array", maxItems: 64 });
    expect(write.inputSchema.properties.confidence).toMatchObject({ minimum: 0, maximum: 1 });
    expect(write.inputSchema.properties.visibility.enum).toEqual(expect.arrayContaining(["private", "shared"]));
    for (const name of ["agent_registry_id", "key", "metadata", "linked_entities", "expires_at", "source_kind"]) {
      expect(write.inputSchema.properties).toHaveProperty(name);
    }
    expect(write.inputSchema.properties).not.toHaveProperty("revision");
    expect(write.description).toMatch(/key/);
    expect(write.description).toMatch(/shared/);
    const list = byName.list_memory.inputSchema.properties;
    for (const name of ["subject_type", "subject_id", "kind", "tag", "linked_entity_type", "linked_entity_id"]) {
      expect(list).toHaveProperty(name);
    }
    expect(byName.search_memory.inputSchema.required).toEqual(["query"]);
    expect(byName.search_memory.inputSchema.properties.top_k).toMatchObject({ minimum: 0, maximum: 100 });
    expect(byName.delete_memory.annotations.destructiveHint).toBe(true);
    expect(byName.list_memory.annotations.readOnlyHint).toBe(true);
    expect(byName.erase_memories.annotations.destructiveHint).toBe(true);
    expect(byName.erase_memories.description).toContain("cannot be undone");
    expect(byName.erase_memories.inputSchema.properties.ids).toMatchObject({ type: "array", maxItems: 1000 });
  });

  it("answers what the agent's memories say about an entity, and to no other agent", async () => {
    await ok(client, "write_memory", {
      subject_type: "contact",
      subject_id: contactId,
      content: "Maria Silva joined Initech as head of sales.",
    });
    const { entity, memories } = await ok(client, "get_entity", { type: "person", id: "maria silva" });
    expect(entity).toMatchObject({
      ref: { type: "person", id: "maria silva" },
      name: "Maria Silva",
      mention_count: "1",
    });
    expect(memories[0].content).toBe("Maria Silva joined Initech as head of sales.");
    const graph = await ok(client, "entity_graph", { type: "person", id: "maria silva" });
    expect(graph.entities.map((e: Json) => e.ref.id)).toEqual(
      expect.arrayContaining(["maria silva", "initech", contactId]),
    );
    const listed = await ok(client, "list_entities", { type: "person", name_prefix: "maria" });
    expect(listed.entities.map((e: Json) => e.ref.id)).toEqual(["maria silva"]);
    const maria = { type: "person", id: "maria silva" };
    const { merge } = await ok(client, "merge_entities", { from: maria, into: { type: "contact", id: contactId } });
    const merged = await ok(client, "get_entity", { type: "contact", id: contactId });
    expect(merged.merges.map((m: Json) => m.id)).toEqual([merge.id]);
    expect((await call(client, "get_entity", maria)).error).toBe(true);
    await ok(client, "undo_entity_merge", { merge_id: merge.id });
    expect((await ok(client, "get_entity", maria)).entity.mention_count).toBe("1");
    const stranger = await connect(kind, await server.createKey({ agentId: randomUUID() }));
    const hidden = await call(stranger, "get_entity", { type: "person", id: "maria silva" });
    expect(hidden.error).toBe(true);
    expect(hidden.text).toMatch(/not found/i);
  });

  it("runs the NurtureAgent flow: one memory after two keyed writes, found, then hidden by delete", async () => {
    const pitch = {
      agent_registry_id: agent,
      subject_type: "contact",
      subject_id: contactId,
      kind: "pitch",
      key: "automated-follow-up-sequences",
      content:
        "Pitched automated follow-up sequences to Sarah. Angle: their team is stretched thin; sequences save 3 hours per week on manual follow-up.",
      metadata: { feature_pitched: "Automated follow-up sequences" },
      linked_entities: [{ type: "opportunity", id: opportunityId }],
      tags: ["feature:follow_up_sequences", "angle:time_savings"],
      source_kind: "email_send",
      source_id: randomUUID(),
    };
    const first = await ok(client, "write_memory", pitch);
    expect(first.outcome).toBe("created");
    const second = await ok(client, "write_memory", pitch);
    // The same key and fields again: still one memory, and nothing to change.
    expect(second.outcome).toBe("unchanged");
    expect(second.memory.id).toBe(first.memory.id);
    const id = first.memory.id as string;
    await ok(client, "write_memory", {
      ...pitch,
      kind: "observation",
      key: undefined,
      content: "Prefers phone calls on Tuesdays",
      tags: [],
      linked_entities: [],
    });

    const listed = await ok(client, "list_memory", { subject_type: "contact", subject_id: contactId, kind: "pitch" });
    expect(listed.memories.map((m: Json) => [m.id, m.key, m.tags])).toEqual([[id, pitch.key, pitch.tags]]);
    const byTag = await ok(client, "list_memory", { tag: "feature:follow_up_sequences" });
    expect(byTag.memories.map((m: Json) => m.id)).toEqual([id]);
    const byLink = await ok(client, "list_memory", {
      linked_entity_type: "opportunity",
      linked_entity_id: opportunityId,
    });
    expect(byLink.memories.map((m: Json) => m.id)).toEqual([id]);

    await eventually(async () => {
      const got = await ok(client, "get_memory", { id });
      return got.memory.embedding_status === "attached" ? true : undefined;
    });
    const found = await ok(client, "search_memory", {
      query: "understaffed crew overwhelmed by repetitive outreach",
      subject_id: contactId,
    });
    expect(found.results[0].memory.id).toBe(id);
    expect(found.results[0].rank).toBe(1);
    expect(found.results[0].score).toBeGreaterThan(0);
    expect(found.results[0]).not.toHaveProperty("rerank_score");
    const reranked = await ok(client, "search_memory", {
      query: "understaffed crew overwhelmed by repetitive outreach",
      subject_id: contactId,
      rerank: true,
    });
    expect(reranked.rerank).toBe("applied");
    expect(reranked.results[0].memory.id).toBe(id);
    expect(reranked.results[0].rerank_score).toBeGreaterThan(0);

    const updated = await ok(client, "update_memory", { id, tags: ["feature:follow_up_sequences", "angle:roi"] });
    expect(updated.memory.tags).toEqual(["feature:follow_up_sequences", "angle:roi"]);
    expect(updated.memory.content).toBe(pitch.content);

    const deleted = await ok(client, "delete_memory", { id, reason: "pitch withdrawn" });
    expect(deleted.memory.state).toBe("deleted");
    const after = await ok(client, "list_memory", { subject_type: "contact", subject_id: contactId, kind: "pitch" });
    expect(after.memories ?? []).toEqual([]);
    const searched = await ok(client, "search_memory", { query: "follow-up sequences", subject_id: contactId });
    expect(searched.results.map((r: Json) => r.memory.id)).not.toContain(id);
    expect(searched.mode).toBe("hybrid");
    const nothing = await ok(client, "search_memory", { query: "zyzzyva", subject_id: contactId, mode: "keyword" });
    expect(nothing).toEqual({ mode: "keyword", results: [] });
  });

  it("supersedes a fact, reads both histories, and undoes the supersession", async () => {
    const base = { agent_registry_id: agent, subject_type: "contact", subject_id: contactId, kind: "fact" };
    const old = await ok(client, "write_memory", { ...base, content: "Sarah is the head of sales at Globex" });
    const replaced = await ok(client, "write_memory", {
      ...base,
      content: "Sarah now runs procurement at Initech",
      supersedes: [old.memory.id],
      valid_from: "2031-01-01T00:00:00Z",
    });
    expect(replaced.superseded).toEqual([old.memory.id]);
    const listed = await ok(client, "list_memory", { subject_id: contactId, kind: "fact" });
    expect(listed.memories.map((m: Json) => m.id)).toEqual([replaced.memory.id]);
    const gone = await ok(client, "get_memory", { id: old.memory.id });
    expect([gone.memory.state, gone.memory.superseded_by, gone.memory.valid_until]).toEqual([
      "superseded",
      replaced.memory.id,
      "2031-01-01T00:00:00Z",
    ]);
    const history = await ok(client, "memory_history", { id: old.memory.id });
    expect(history.revisions.map((r: Json) => [r.revision, r.change])).toEqual([
      ["2", "superseded"],
      ["1", "created"],
    ]);
    expect(history.revisions[0].memory.superseded_by).toBe(replaced.memory.id);
    const undone = await ok(client, "unsupersede_memory", { id: old.memory.id, agent_registry_id: agent });
    expect(undone.memory.state).toBe("active");
    const again = await ok(client, "memory_history", { id: old.memory.id, page_size: 1 });
    expect(again.revisions.map((r: Json) => r.change)).toEqual(["unsuperseded"]);
    expect(again.next_page_token).not.toBe("");
  });

  it("invalid arguments give a tool error naming the argument, and the session keeps working", async () => {
    const base = { subject_type: "contact", subject_id: contactId, kind: "note" };
    const cases: [Json, string][] = [
      [{ ...base }, "content"],
      [{ ...base, content: "x".repeat(50_001) }, "content"],
      [{ ...base, content: "ok", tags: Array.from({ length: 65 }, (_, i) => `t:${i}`) }, "tags"],
      [{ ...base, content: "ok", confidence: "high" }, "confidence"],
      [{ ...base, content: "ok", visibility: "public" }, "visibility"],
      [{ ...base, content: "ok", colour: "blue" }, "colour"],
    ];
    for (const [args, argument] of cases) {
      const result = await call(client, "write_memory", args);
      expect(result.error, JSON.stringify(args).slice(0, 80)).toBe(true);
      expect(result.text).toContain(`"${argument}"`);
    }
    const search = await call(client, "search_memory", { query: "" });
    expect(search.error).toBe(true);
    expect(search.text).toContain('"query"');
    // Nothing was written by the failed calls, and the same session still serves valid ones.
    const notes = await ok(client, "list_memory", { subject_id: contactId, kind: "note" });
    expect(notes.memories ?? []).toEqual([]);
    const written = await ok(client, "write_memory", { ...base, content: "A valid note after the errors" });
    expect(written.outcome).toBe("created");
  });
});

describe.each<TransportKind>(["streamable-http", "stdio"])("visibility over %s", (kind) => {
  it("an agent-bound key cannot read or change another agent's private memory through any tool", async () => {
    const owner = randomUUID();
    const subjectId = randomUUID();
    const ownerClient = await connect(kind, await server.createKey({ agentId: owner }));
    const other = await connect(kind, await server.createKey({ agentId: randomUUID() }));
    const secret = {
      subject_type: "contact",
      subject_id: subjectId,
      kind: "objection",
      key: "pricing",
      content: "Confided the pricing objection privately",
      tags: [`objection:${subjectId}`],
    };
    const { memory } = await ok(ownerClient, "write_memory", secret);
    const shared = await ok(ownerClient, "write_memory", {
      ...secret,
      key: "public-fact",
      content: "Company has 40 employees",
      visibility: "shared",
    });

    const listed = await ok(other, "list_memory", { subject_id: subjectId });
    expect(listed.memories.map((m: Json) => m.id)).toEqual([shared.memory.id]);
    const byTag = await ok(other, "list_memory", { tag: `objection:${subjectId}` });
    expect(byTag.memories.map((m: Json) => m.id)).toEqual([shared.memory.id]);
    const searched = await ok(other, "search_memory", { query: "pricing objection", subject_id: subjectId });
    expect(searched.results.map((r: Json) => r.memory.id)).toEqual([shared.memory.id]);
    const byId: [string, Json][] = [
      ["get_memory", { id: memory.id }],
      ["update_memory", { id: memory.id, content: "overwritten" }],
      ["delete_memory", { id: memory.id }],
    ];
    for (const [tool, args] of byId) {
      const result = await call(other, tool, args);
      expect(result.error, tool).toBe(true);
      expect(result.text, tool).toMatch(/^not found: /);
    }
    // Claiming to be the owner is refused outright: the key decides who is acting.
    const asOwner: [string, Json][] = [
      ...byId,
      ["list_memory", { subject_id: subjectId }],
      ["search_memory", { query: "pricing objection" }],
      ["write_memory", { ...secret, content: "Mine now" }],
    ];
    for (const [tool, args] of asOwner) {
      const result = await call(other, tool, { ...args, agent_registry_id: owner });
      expect(result.error, tool).toBe(true);
      expect(result.text, tool).toMatch(/^permission denied: /);
    }
    const still = await ok(ownerClient, "get_memory", { id: memory.id });
    expect(still.memory).toMatchObject({ content: secret.content, state: "active", revision: "1" });
  });
});

describe.each<TransportKind>(["streamable-http", "stdio"])("erase_memories over %s", (kind) => {
  it("counts on a dry run and erases nothing, then erases the acting agent's memories for good", async () => {
    const agent = randomUUID();
    const subjectId = randomUUID();
    const eraser = await connect(kind, await server.createKey({ scopes: ERASER_SCOPES }));
    const base = { agent_registry_id: agent, subject_type: "contact", subject_id: subjectId, kind: "note" };
    const written = [];
    for (const content of ["Zelda prefers calls on Tuesdays", "Her team renews in March"]) {
      written.push((await ok(eraser, "write_memory", { ...base, content })).memory.id);
    }
    const listed = async () =>
      (await ok(eraser, "list_memory", { agent_registry_id: agent, subject_id: subjectId, show_deleted: true }))
        .memories ?? [];

    // Without the agent that owns them, the private memories are not the key's to erase.
    const unseen = await ok(eraser, "erase_memories", { subject_id: subjectId, dry_run: true });
    expect(unseen.receipt.counts.memories).toBe("0");
    const { receipt: preview } = await ok(eraser, "erase_memories", {
      subject_id: subjectId,
      agent_registry_id: agent,
      dry_run: true,
    });
    expect(preview).toMatchObject({ id: "", dry_run: true, counts: { memories: "2", revisions: "2" } });
    expect(await listed()).toHaveLength(2);

    const { receipt } = await ok(eraser, "erase_memories", { subject_id: subjectId, agent_registry_id: agent });
    expect(receipt).toMatchObject({ dry_run: false, complete: true, counts: { memories: "2" } });
    expect(receipt.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(receipt.erased_ids_digest).toBe(preview.erased_ids_digest);
    expect(await listed()).toEqual([]);
    const gone = await call(eraser, "get_memory", { id: written[0], agent_registry_id: agent });
    expect(gone.text).toMatch(/^not found: /);
  });

  it("an agent-bound key cannot erase another agent's memory, by id or by filter", async () => {
    const owner = randomUUID();
    const subjectId = randomUUID();
    const ownerClient = await connect(kind, await server.createKey({ agentId: owner, scopes: ERASER_SCOPES }));
    const other = await connect(kind, await server.createKey({ agentId: randomUUID(), scopes: ERASER_SCOPES }));
    const note = { subject_type: "contact", subject_id: subjectId, kind: "note" };
    const secret = (await ok(ownerClient, "write_memory", { ...note, content: "Confided a pricing objection" })).memory;
    const shared = (
      await ok(ownerClient, "write_memory", { ...note, content: "Company has 40 employees", visibility: "shared" })
    ).memory;

    expect((await call(other, "erase_memories", { ids: [secret.id] })).text).toMatch(/^not found: /);
    expect((await call(other, "erase_memories", { ids: [shared.id] })).text).toMatch(/^permission denied: /);
    const byFilter = await ok(other, "erase_memories", { subject_id: subjectId });
    expect(byFilter.receipt.counts.memories).toBe("0");
    // Claiming to be the owner is refused outright: the key decides who is acting.
    const claimed = await call(other, "erase_memories", { subject_id: subjectId, agent_registry_id: owner });
    expect(claimed.text).toMatch(/^permission denied: /);
    // And a key without the memory:erase scope erases nothing, even its own.
    const reader = await connect(kind, await server.createKey({ agentId: owner }));
    expect((await call(reader, "erase_memories", { ids: [secret.id] })).text).toMatch(/^permission denied: /);

    for (const memory of [secret, shared]) {
      expect((await ok(ownerClient, "get_memory", { id: memory.id })).memory.state).toBe("active");
    }
  });
});
