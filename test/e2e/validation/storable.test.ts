/**
 * What Postgres cannot store is INVALID_ARGUMENT at the edge, with a field violation naming
 * the field, and changes nothing: NUL characters and lone surrogates in any string (filters,
 * request_id, key names, metadata keys and values), floats a `real` cannot hold, timestamps
 * and ttl outside years 1..9999, bad nanos, and NaN or Infinity in metadata. Over Connect
 * JSON, gRPC (binary, where a value exists only there) and REST.
 */
import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WriteOutcome } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { apiKeyClient, countAllMemories, memoryClient, type Protocol, restJson } from "../../support/clients.js";
import { rejectionOf } from "../../support/codes.js";
import { aMemory, type MemoryInit } from "../../support/factories/memory.js";
import { startTestServer, type TestServer } from "../../support/server.js";

interface Rejection {
  code: string;
  reason: string | undefined;
  fields: string[];
}

let server: TestServer;
/** An admin of a workspace of its own: counting its memories and keys shows whether anything changed. */
let key: string;

beforeAll(async () => {
  server = await startTestServer();
  key = await server.createKey({ workspaceId: `storable-${randomUUID()}`, scopes: ["admin"] });
});
afterAll(async () => {
  await server?.close();
});

const memories = (protocol: Protocol) => memoryClient(server.baseUrl, key, protocol);

const rest = (method: string, path: string, json?: unknown) =>
  restJson<unknown>(server.baseUrl, key, method, path, json);

interface RestError {
  error: {
    status: string;
    details: { "@type": string; reason?: string; field_violations?: { field: string }[] }[];
  };
}

function restRejection(reply: { status: number; body: unknown }): Rejection {
  const { error } = reply.body as RestError;
  expect(reply.status, JSON.stringify(reply.body)).toBe(400);
  return {
    code: error.status,
    reason: error.details.find((d) => d.reason !== undefined)?.reason,
    fields: error.details.flatMap((d) => (d.field_violations ?? []).map((v) => v.field)),
  };
}

/** Memories and API keys of the workspace, deleted and expired ones included. */
async function snapshot(): Promise<{ memories: number; keys: number }> {
  const count = await countAllMemories(memories("connect-h1"));
  const keys = await apiKeyClient(server.baseUrl, key).listApiKeys({ pageSize: 500, showRevoked: true });
  return { memories: count, keys: keys.apiKeys.length };
}

/** A memory about a fresh contact whose content passes every check. */
const memory = (fields: MemoryInit = {}) => aMemory({ content: "fine", ...fields });

/** The REST body for POST /v1/memory: the memory itself, in snake_case. */
function restMemory(fields: Record<string, unknown> = {}) {
  return { subject_type: "contact", subject_id: `s-${randomUUID()}`, kind: "note", content: "fine", ...fields };
}

const year10000 = 253_402_300_800n;
const WRITE = "engram.v1.MemoryService/WriteMemory";
const LIST = "engram.v1.MemoryService/ListMemories";

/** A Connect JSON call posted as written, so that values a typed client would not send get through. */
async function connectJson(path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${server.baseUrl}/${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.ok) return JSON.parse(text);
  const error = JSON.parse(text) as { code: string; message: string; details?: { type: string; value: string }[] };
  const code = error.code.replace(/(^|_)(\w)/g, (_, __, c: string) => c.toUpperCase()) as keyof typeof Code;
  const err = new ConnectError(error.message, Code[code]);
  err.details = (error.details ?? []).map((d) => ({
    type: d.type,
    value: new Uint8Array(Buffer.from(d.value, "base64")),
  }));
  throw err;
}

interface Case {
  name: string;
  field: string;
  reason: string;
  /** The call over Connect JSON, as posted: [method path, request JSON]. */
  json?: [string, unknown];
  /** The call over gRPC (binary), for values only the binary encoding can carry, or to show it is covered too. */
  grpc?: (client: ReturnType<typeof memories>) => Promise<unknown>;
  rest?: () => Promise<{ status: number; body: unknown }>;
}

const jsonMemory = (fields: Record<string, unknown> = {}) => ({
  subjectType: "contact",
  subjectId: `s-${randomUUID()}`,
  kind: "note",
  content: "fine",
  ...fields,
});

const CASES: Case[] = [
  {
    name: "NUL in content",
    field: "memory.content",
    reason: "NUL_CHARACTER",
    json: [WRITE, { memory: jsonMemory({ content: "a\u0000b" }) }],
    grpc: (c) => c.writeMemory({ memory: memory({ content: "a\u0000b" }) }),
    rest: () => rest("POST", "/v1/memory", restMemory({ content: "a\u0000b" })),
  },
  {
    name: "NUL in a metadata value",
    field: "memory.metadata.note.deep[1]",
    reason: "NUL_CHARACTER",
    json: [WRITE, { memory: jsonMemory({ metadata: { note: { deep: ["ok", "a\u0000"] } } }) }],
    grpc: (c) => c.writeMemory({ memory: memory({ metadata: { note: { deep: ["ok", "a\u0000"] } } }) }),
    rest: () => rest("POST", "/v1/memory", restMemory({ metadata: { note: { deep: ["ok", "a\u0000"] } } })),
  },
  {
    name: "NUL in a metadata key",
    field: 'memory.metadata["a\\u0000b"]',
    reason: "NUL_CHARACTER",
    json: [WRITE, { memory: jsonMemory({ metadata: { "a\u0000b": 1 } }) }],
    rest: () => rest("POST", "/v1/memory", restMemory({ metadata: { "a\u0000b": 1 } })),
  },
  {
    name: "a lone surrogate in a metadata value",
    field: "memory.metadata.note",
    reason: "INVALID_UNICODE",
    json: [WRITE, { memory: jsonMemory({ metadata: { note: "x\ud800y" } }) }],
    rest: () => rest("POST", "/v1/memory", restMemory({ metadata: { note: "x\ud800y" } })),
  },
  {
    name: "a lone surrogate in a metadata key",
    field: 'memory.metadata["\\udc00k"]',
    reason: "INVALID_UNICODE",
    json: [WRITE, { memory: jsonMemory({ metadata: { "\udc00k": "v" } }) }],
    rest: () => rest("POST", "/v1/memory", restMemory({ metadata: { "\udc00k": "v" } })),
  },
  {
    name: 'confidence "1e-50" (underflows a real)',
    field: "memory.confidence",
    reason: "NUMBER_OUT_OF_RANGE",
    json: [WRITE, { memory: jsonMemory({ confidence: "1e-50" }) }],
    rest: () => rest("POST", "/v1/memory", restMemory({ confidence: "1e-50" })),
  },
  {
    name: "NUL in request_id",
    field: "request_id",
    reason: "NUL_CHARACTER",
    json: [WRITE, { memory: jsonMemory(), requestId: "r\u0000" }],
    grpc: (c) => c.writeMemory({ memory: memory(), requestId: "r\u0000" }),
    rest: () => rest("POST", "/v1/memory?request_id=r%00", restMemory()),
  },
  {
    name: "ttl reaching past year 9999",
    field: "ttl",
    reason: "TTL_OUT_OF_RANGE",
    json: [WRITE, { memory: jsonMemory(), ttl: "315576000000s" }],
    grpc: (c) => c.writeMemory({ memory: memory(), ttl: { seconds: 315_576_000_000n } }),
    rest: () => rest("POST", "/v1/memory?ttl=315576000000s", restMemory()),
  },
  {
    name: "ttl reaching past year 9999 in a batch item",
    field: "requests[1].ttl",
    reason: "TTL_OUT_OF_RANGE",
    json: [
      "engram.v1.MemoryService/BatchWriteMemories",
      { atomic: true, requests: [{ memory: jsonMemory() }, { memory: jsonMemory(), ttl: "315000000000s" }] },
    ],
  },
  {
    name: "expire_time in year 10000",
    field: "memory.expire_time",
    reason: "TIMESTAMP_OUT_OF_RANGE",
    grpc: (c) => c.writeMemory({ memory: memory({ expireTime: { seconds: year10000 } }) }),
  },
  {
    name: "expire_time before year 1",
    field: "memory.expire_time",
    reason: "TIMESTAMP_OUT_OF_RANGE",
    grpc: (c) => c.writeMemory({ memory: memory({ expireTime: { seconds: -62_135_596_801n } }) }),
  },
  {
    name: "expire_time with nanos -1",
    field: "memory.expire_time",
    reason: "TIMESTAMP_OUT_OF_RANGE",
    grpc: (c) => c.writeMemory({ memory: memory({ expireTime: { seconds: 2_000_000_000n, nanos: -1 } }) }),
  },
  {
    name: "ttl with nanos of the wrong sign",
    field: "ttl",
    reason: "DURATION_OUT_OF_RANGE",
    grpc: (c) => c.writeMemory({ memory: memory(), ttl: { seconds: 60n, nanos: -5 } }),
  },
  {
    name: "NaN in metadata",
    field: "memory.metadata.score",
    reason: "NUMBER_OUT_OF_RANGE",
    grpc: (c) => c.writeMemory({ memory: memory({ metadata: { score: Number.NaN } }) }),
  },
  {
    name: "Infinity in metadata",
    field: "memory.metadata.list[0]",
    reason: "NUMBER_OUT_OF_RANGE",
    grpc: (c) => c.writeMemory({ memory: memory({ metadata: { list: [Number.POSITIVE_INFINITY] } }) }),
  },
  {
    name: "NaN as min_score",
    field: "min_score",
    reason: "NUMBER_OUT_OF_RANGE",
    grpc: async (c) => {
      for await (const _ of c.searchMemories({ query: "pitch", minScore: Number.NaN })) void _;
    },
  },
  {
    name: "NUL in a list filter",
    field: "filter.subject_id",
    reason: "NUL_CHARACTER",
    json: [LIST, { filter: { subjectId: "a\u0000b" } }],
    grpc: (c) => c.listMemories({ filter: { subjectId: "a\u0000b" } }),
    rest: () => rest("GET", "/v1/memory?subject_id=a%00b"),
  },
  {
    name: "NUL in a tag filter",
    field: "filter.tags[0]",
    reason: "NUL_CHARACTER",
    json: [LIST, { filter: { tags: ["\u0000"] } }],
    rest: () => rest("GET", "/v1/memory?tags=%00"),
  },
  {
    name: "NUL in a search query",
    field: "query",
    reason: "NUL_CHARACTER",
    grpc: async (c) => {
      for await (const _ of c.searchMemories({ query: "pitch\u0000" })) void _;
    },
    rest: () => rest("POST", "/v1/memory/search", { query: "pitch\u0000" }),
  },
  {
    name: "NUL in an API key's display_name",
    field: "api_key.display_name",
    reason: "NUL_CHARACTER",
    json: ["engram.v1.ApiKeyService/CreateApiKey", { apiKey: { displayName: "a\u0000", scopes: ["memory:read"] } }],
    rest: () => rest("POST", "/v1/api-keys", { display_name: "a\u0000", scopes: ["memory:read"] }),
  },
];

describe("values Postgres cannot store are INVALID_ARGUMENT, naming the field, and change nothing", () => {
  const expectRejected = async (call: () => Promise<unknown>, field: string, reason: string) => {
    const before = await snapshot();
    expect(await rejectionOf(call())).toEqual({ code: "InvalidArgument", reason, fields: [field] });
    expect(await snapshot()).toEqual(before);
  };

  it.each(CASES.filter((c) => c.json !== undefined))("$name over Connect JSON", async ({ json, field, reason }) => {
    await expectRejected(() => connectJson(...json!), field, reason);
  });

  it.each(CASES.filter((c) => c.grpc !== undefined))("$name over gRPC", async ({ grpc, field, reason }) => {
    await expectRejected(() => grpc!(memories("grpc")), field, reason);
  });

  it.each(CASES.filter((c) => c.rest !== undefined))("$name over REST", async ({ rest: call, field, reason }) => {
    const before = await snapshot();
    expect(restRejection(await call!())).toEqual({ code: "INVALID_ARGUMENT", reason, fields: [field] });
    expect(await snapshot()).toEqual(before);
  });
});

describe("what Postgres can store passes", () => {
  it("the six characters \\u0000 are text, not a NUL: stored verbatim over Connect JSON and REST", async () => {
    const content = String.raw`C:\u0000 is not a NUL`;
    const written = await memories("connect-h1").writeMemory({
      memory: memory({ content, metadata: { path: content }, tags: [content] }),
    });
    expect(written.outcome).toBe(WriteOutcome.CREATED);
    const got = (await memories("connect-h1").getMemory({ id: written.memory!.id })).memory!;
    expect([got.content, got.metadata?.path, got.tags[0]]).toEqual([content, content, content]);

    const reply = await rest("POST", "/v1/memory", restMemory({ content: `${content} (REST)` }));
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect((reply.body as { memory: { content: string } }).memory.content).toBe(`${content} (REST)`);
  });

  it("surrogate pairs, tiny but normal floats, the ends of the timestamp range and finite metadata numbers", async () => {
    for (const protocol of ["connect-h1", "grpc"] as Protocol[]) {
      const written = await memories(protocol).writeMemory({
        memory: memory({
          content: "emoji 😀",
          metadata: { "😀": "😀", big: 1e300, small: -1e-300 },
          confidence: 1.2e-38,
          expireTime: { seconds: year10000 - 1n, nanos: 999_999_999 },
        }),
      });
      expect(written.outcome).toBe(WriteOutcome.CREATED);
      expect(written.memory?.metadata).toEqual({ "😀": "😀", big: 1e300, small: -1e-300 });
      expect(written.memory?.expireTime?.seconds).toBe(year10000 - 1n);
    }
    const ttl = await memories("grpc").writeMemory({ memory: memory(), ttl: { seconds: 3_600n * 24n * 365n * 1000n } });
    expect(ttl.outcome).toBe(WriteOutcome.CREATED);
  });
});
