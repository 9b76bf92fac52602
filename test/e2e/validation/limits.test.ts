import { randomUUID } from "node:crypto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Provenance, Visibility, type Memory } from "../../../gen/ts/engram/v1/memory_pb.js";
import { WriteOutcome, type WriteMemoryRequestSchema } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { countAllMemories, memoryClient } from "../../support/clients.js";
import { rejectionOf } from "../../support/codes.js";
import { aMemory, type MemoryClient, type MemoryInit } from "../../support/factories/memory.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import { clientWithKey } from "../../support/factories/key.js";
import { aWorkspaceId } from "../../support/factories/workspace.js";

type WriteInit = MessageInitShape<typeof WriteMemoryRequestSchema>;

let server: TestServer;
/** An admin of a workspace of its own: counting every memory in it shows whether a write changed anything. */
let client: MemoryClient;
let workspaceKey: string;

beforeAll(async () => {
  server = await startTestServer();
  workspaceKey = await server.createKey({ workspaceId: `limits-${randomUUID()}`, scopes: ["admin"] });
  client = memoryClient(server.baseUrl, workspaceKey);
});
afterAll(async () => {
  await server?.close();
});

function expectInvalid(result: Awaited<ReturnType<typeof rejectionOf>>, field: string, reason?: string) {
  expect(result.code).toBe("InvalidArgument");
  expect(result.fields).toContain(field);
  if (reason !== undefined) expect(result.reason).toBe(reason);
  else expect(result.reason).toMatch(/^[A-Z][A-Z0-9_]+$/);
}

/** Every memory in the workspace, deleted and expired ones included. */
const countAll = () => countAllMemories(client);

/** A string of exactly n characters that no other call uses. */
function unique(n: number, fill = "x"): string {
  const id = randomUUID().replaceAll("-", "");
  return n <= id.length ? id.slice(0, n) : id + fill.repeat(n - id.length);
}

function tags(count: number, length = 8): string[] {
  return Array.from({ length: count }, (_, i) => `${i}:`.padEnd(length, "t"));
}

function entities(count: number) {
  return Array.from({ length: count }, (_, i) => ({ type: "contact", id: `c${i}` }));
}

/** Metadata whose JSON encoding is exactly `bytes` long: {"blob":"xxx..."} */
function metadataOf(bytes: number) {
  const overhead = JSON.stringify({ blob: "" }).length;
  const metadata = { blob: "m".repeat(bytes - overhead) };
  expect(Buffer.byteLength(JSON.stringify(metadata))).toBe(bytes);
  return metadata;
}

/** The fields any change to a memory would touch (the embedding may still be attached meanwhile). */
function unchanged(m: Memory) {
  return { revision: m.revision, content: m.content, title: m.title, tags: m.tags, updateTime: m.updateTime };
}

interface WriteLimit {
  name: string;
  field: string;
  /** The last accepted and the first rejected value, as memory fields. */
  at: MemoryInit;
  past: MemoryInit;
  reason?: string;
}

const stringLimit = (name: string, prop: keyof MemoryInit, limit: number, fill = "x"): WriteLimit => ({
  name: `${name} <= ${limit} characters`,
  field: `memory.${name}`,
  at: { [prop]: unique(limit, fill) },
  past: { [prop]: unique(limit + 1, fill) },
  reason: `${name.toUpperCase()}_TOO_LONG`,
});

const WRITE_LIMITS: WriteLimit[] = [
  stringLimit("content", "content", 50_000),
  { ...stringLimit("content", "content", 50_000, "é"), name: "content <= 50,000 characters, not bytes (é)" },
  { ...stringLimit("content", "content", 50_000, "😀"), name: "content <= 50,000 characters, not UTF-16 units (😀)" },
  {
    name: "content >= 1 character",
    field: "memory.content",
    at: { content: "y" },
    past: { content: "" },
    reason: "CONTENT_REQUIRED",
  },
  stringLimit("title", "title", 200),
  stringLimit("subject_type", "subjectType", 128),
  stringLimit("kind", "kind", 128),
  stringLimit("key", "key", 512),
  stringLimit("agent_id", "agentId", 256),
  stringLimit("subject_id", "subjectId", 256),
  stringLimit("source_id", "sourceId", 256),
  stringLimit("parent_memory_id", "parentMemoryId", 256),
  {
    name: "tags <= 64 items",
    field: "memory.tags",
    at: { tags: tags(64) },
    past: { tags: tags(65) },
    reason: "TAGS_TOO_MANY",
  },
  {
    name: "each tag <= 128 characters",
    field: "memory.tags[1]",
    at: { tags: ["a", "t".repeat(128)] },
    past: { tags: ["a", "t".repeat(129)] },
    reason: "TAGS_TOO_LONG",
  },
  {
    name: "linked_entities <= 64",
    field: "memory.linked_entities",
    at: { linkedEntities: entities(64) },
    past: { linkedEntities: entities(65) },
    reason: "LINKED_ENTITIES_TOO_MANY",
  },
  {
    name: "confidence <= 1",
    field: "memory.confidence",
    at: { confidence: 1 },
    past: { confidence: 1.001 },
    reason: "CONFIDENCE_OUT_OF_RANGE",
  },
  {
    name: "metadata <= 64 KiB of JSON",
    field: "memory.metadata",
    at: { metadata: metadataOf(65_536) },
    past: { metadata: metadataOf(65_537) },
    reason: "METADATA_TOO_LARGE",
  },
];

describe("WriteMemory limits (DESIGN 6)", () => {
  it.each(WRITE_LIMITS)(
    "$name: the limit is accepted, one past it is INVALID_ARGUMENT and writes nothing",
    async (c) => {
      const before = await countAll();
      const rejected = await rejectionOf(client.writeMemory({ memory: aMemory(c.past) }));
      expectInvalid(rejected, c.field, c.reason);
      expect(await countAll()).toBe(before);

      const accepted = await client.writeMemory({ memory: aMemory(c.at) });
      expect(accepted.outcome).toBe(WriteOutcome.CREATED);
      expect(await countAll()).toBe(before + 1);
      // What was accepted is stored whole.
      expect((await client.getMemory({ id: accepted.memory!.id })).memory).toMatchObject(c.at);
    },
  );

  it("the same limits apply to UpdateMemory, which then changes nothing", async () => {
    const target = (await client.writeMemory({ memory: aMemory({}) })).memory!;
    const cases: [string, MemoryInit, string][] = [
      ["content", { content: "c".repeat(50_001) }, "memory.content"],
      ["title", { title: "t".repeat(201) }, "memory.title"],
      ["tags", { tags: tags(65) }, "memory.tags"],
      ["metadata", { metadata: metadataOf(65_537) }, "memory.metadata"],
      ["content", { content: "" }, "memory.content"],
    ];
    for (const [path, fields, field] of cases) {
      const result = await rejectionOf(
        client.updateMemory({ id: target.id, memory: fields, updateMask: { paths: [path] } }),
      );
      expectInvalid(result, field);
    }
    expect((await client.getMemory({ id: target.id })).memory).toMatchObject(unchanged(target));
  });
});

describe("BatchWriteMemories size", () => {
  const requests = (n: number): WriteInit[] => Array.from({ length: n }, () => ({ memory: aMemory({}) }));

  it.each([
    { count: 0, reason: "REQUESTS_TOO_FEW" },
    { count: 101, reason: "REQUESTS_TOO_MANY" },
  ])("$count requests: INVALID_ARGUMENT $reason, nothing written", async ({ count, reason }) => {
    const before = await countAll();
    expectInvalid(await rejectionOf(client.batchWriteMemories({ requests: requests(count) })), "requests", reason);
    expect(await countAll()).toBe(before);
  });

  it.each([1, 100])("%i requests are accepted", async (count) => {
    const before = await countAll();
    const res = await client.batchWriteMemories({ requests: requests(count), atomic: true });
    expect(res.results).toHaveLength(count);
    expect(res.results.every((r) => r.result.case === "response")).toBe(true);
    expect(await countAll()).toBe(before + count);
  });

  it("a too-long field in one request of a batch rejects the whole call, naming the item", async () => {
    const before = await countAll();
    const batch = requests(3);
    batch[2] = { memory: aMemory({ title: "t".repeat(201) }) };
    expectInvalid(
      await rejectionOf(client.batchWriteMemories({ requests: batch })),
      "requests[2].memory.title",
      "TITLE_TOO_LONG",
    );
    expect(await countAll()).toBe(before);
  });
});

describe("read limits", () => {
  it.each([
    {
      name: "GetMemory id <= 256",
      at: () => client.getMemory({ id: unique(256) }),
      past: () => client.getMemory({ id: unique(257) }),
      field: "id",
      reason: "ID_TOO_LONG",
    },
    {
      name: "GetMemory agent_id <= 256",
      at: () => client.getMemory({ id: randomUUID(), agentId: unique(256) }),
      past: () => client.getMemory({ id: randomUUID(), agentId: unique(257) }),
      field: "agent_id",
      reason: "AGENT_ID_TOO_LONG",
    },
    {
      name: "DeleteMemory id <= 256",
      at: () => client.deleteMemory({ id: unique(256) }),
      past: () => client.deleteMemory({ id: unique(257) }),
      field: "id",
      reason: "ID_TOO_LONG",
    },
    {
      name: "ListMemories page_size <= 500",
      at: () => client.listMemories({ pageSize: 500 }),
      past: () => client.listMemories({ pageSize: 501 }),
      field: "page_size",
      reason: "PAGE_SIZE_OUT_OF_RANGE",
    },
    {
      name: "ListMemories filter.subject_id <= 256",
      at: () => client.listMemories({ filter: { subjectId: unique(256) } }),
      past: () => client.listMemories({ filter: { subjectId: unique(257) } }),
      field: "filter.subject_id",
      reason: "SUBJECT_ID_TOO_LONG",
    },
    {
      name: "SearchMemories query <= 4,096",
      at: () => drain(client.searchMemories({ query: "q".repeat(4096) })),
      past: () => drain(client.searchMemories({ query: "q".repeat(4097) })),
      field: "query",
      reason: "QUERY_TOO_LONG",
    },
    {
      name: "SearchMemories top_k <= 100",
      at: () => drain(client.searchMemories({ query: "pitch", topK: 100 })),
      past: () => drain(client.searchMemories({ query: "pitch", topK: 101 })),
      field: "top_k",
      reason: "TOP_K_OUT_OF_RANGE",
    },
  ])("$name: the limit is not INVALID_ARGUMENT, one past it is", async ({ at, past, field, reason }) => {
    expectInvalid(await rejectionOf(past()), field, reason);
    expect((await rejectionOf(at())).code).not.toBe("InvalidArgument");
  });

  it.each([
    { name: "GetMemory empty id", call: () => client.getMemory({ id: "" }), field: "id" },
    {
      name: "ListMemories negative page_size",
      call: () => client.listMemories({ pageSize: -1 }),
      field: "page_size",
      reason: "PAGE_SIZE_OUT_OF_RANGE",
    },
    {
      name: "WriteMemory negative confidence",
      call: () => client.writeMemory({ memory: aMemory({ confidence: -0.5 }) }),
      field: "memory.confidence",
      reason: "CONFIDENCE_OUT_OF_RANGE",
    },
    { name: "SearchMemories empty query", call: () => drain(client.searchMemories({ query: "" })), field: "query" },
    {
      name: "SearchMemories negative top_k",
      call: () => drain(client.searchMemories({ query: "q", topK: -1 })),
      field: "top_k",
    },
  ])(
    "$name is INVALID_ARGUMENT",
    async ({ call, field, reason }: { call: () => Promise<unknown>; field: string; reason?: string }) => {
      expectInvalid(await rejectionOf(call()), field, reason);
    },
  );

  it("a page of 500 really holds up to 500 memories", async () => {
    const subjectId = `s-${randomUUID()}`;
    const big = await clientWithKey(server, { workspaceId: aWorkspaceId("limits") });
    for (let i = 0; i < 6; i++) {
      await big.batchWriteMemories({
        requests: Array.from({ length: 100 }, () => ({ memory: aMemory({ subjectId }) })),
        atomic: true,
      });
    }
    const page = await big.listMemories({ filter: { subjectId }, pageSize: 500 });
    expect(page.memories).toHaveLength(500);
    expect(page.nextPageToken).not.toBe("");
    const rest = await big.listMemories({ filter: { subjectId }, pageSize: 500, pageToken: page.nextPageToken });
    expect(rest.memories).toHaveLength(100);
  });
});

async function drain<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

describe("malformed input", () => {
  const url = () => `${server.baseUrl}/engram.v1.MemoryService/WriteMemory`;
  const post = (body: string) =>
    fetch(url(), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${workspaceKey}` },
      body,
    });

  it.each([
    { name: "invalid JSON", body: "{not json" },
    { name: "a wrongly typed field", body: JSON.stringify({ memory: { subjectType: "c", kind: "k", content: 42 } }) },
  ])("$name over Connect JSON is a 400 invalid_argument, and the server keeps serving", async ({ body }) => {
    const before = await countAll();
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(((await res.json()) as { code: string }).code).toBe("invalid_argument");
    expect(await countAll()).toBe(before);

    const ok = await post(JSON.stringify({ memory: aMemory({}) }));
    expect(ok.status).toBe(200);
    expect(await countAll()).toBe(before + 1);
  });

  it("an unknown enum name or field over Connect JSON is INVALID_ARGUMENT and writes nothing", async () => {
    const subjectId = `s-${randomUUID()}`;
    for (const body of [
      { memory: { subjectType: "c", subjectId, kind: "k", content: "x", visibility: "VISIBILITY_SECRET" } },
      { memory: { subjectType: "c", subjectId, kind: "k", content: "x", visibilty: "VISIBILITY_SHARED" } },
    ]) {
      const res = await post(JSON.stringify(body));
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: "invalid_argument" });
    }
    const listed = await client.listMemories({ filter: { subjectId } });
    expect(listed.memories).toEqual([]);
    expect((await post(JSON.stringify({ memory: aMemory({}) }))).status).toBe(200);
  });

  it("an unknown enum number is INVALID_ARGUMENT naming the field", async () => {
    const before = await countAll();
    const result = await rejectionOf(client.writeMemory({ memory: aMemory({ visibility: 7 as Visibility }) }));
    expectInvalid(result, "memory.visibility", "VISIBILITY_UNKNOWN_VALUE");
    const provenance = await rejectionOf(client.writeMemory({ memory: aMemory({ provenance: 99 as Provenance }) }));
    expectInvalid(provenance, "memory.provenance", "PROVENANCE_UNKNOWN_VALUE");
    expect(await countAll()).toBe(before);
  });

  it.each([
    { name: "content", fields: { content: "before\u0000after" } },
    { name: "a tag", fields: { tags: ["ok", "bad\u0000tag"] } },
    { name: "metadata", fields: { metadata: { note: "bad\u0000value" } } },
  ])("a NUL character in $name is INVALID_ARGUMENT (NUL_CHARACTER) and writes nothing", async ({ fields }) => {
    const before = await countAll();
    const result = await rejectionOf(client.writeMemory({ memory: aMemory(fields) }));
    expect(result.code).toBe("InvalidArgument");
    expect(result.reason).toBe("NUL_CHARACTER");
    expect(result.fields?.length).toBeGreaterThan(0);
    expect(await countAll()).toBe(before);
    // The server is still fine.
    expect((await client.writeMemory({ memory: aMemory({ visibility: Visibility.SHARED }) })).outcome).toBe(
      WriteOutcome.CREATED,
    );
  });

  it("a NUL character in an update is INVALID_ARGUMENT and changes nothing", async () => {
    const target = (await client.writeMemory({ memory: aMemory({}) })).memory!;
    const result = await rejectionOf(
      client.updateMemory({ id: target.id, memory: { content: "a\u0000b" }, updateMask: { paths: ["content"] } }),
    );
    expect(result.code).toBe("InvalidArgument");
    expect(result.reason).toBe("NUL_CHARACTER");
    expect((await client.getMemory({ id: target.id })).memory).toMatchObject(unchanged(target));
  });
});
