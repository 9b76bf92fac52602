/**
 * OpenTelemetry traces from a real server to a real OTLP receiver (test/support/otlp/): W3C trace
 * context on every entrance, a span per RPC, statement, model call and write guard, the three OTLP
 * protocols, the export at shutdown, and nothing sent unless the environment asks.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SearchMode } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { memoryClient, type Protocol } from "../../support/clients.js";
import { keyFor, spawnEngram, type EngramProcess } from "../../support/engram-process.js";
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "../../support/otlp-receiver.js";

const INTERNAL = 1;
const SERVER = 2;
const CLIENT = 3;
/** What the memories say: no span may carry it. */
const SECRET = `omega${randomBytes(6).toString("hex")}`;

let receiver: OtlpReceiver;
const scratch: string[] = [];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
});

afterAll(async () => {
  await receiver.close();
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A server on a new embedded database, or on `databaseUrl`; without models unless `env` turns them on. */
async function serve(
  env: Record<string, string | undefined>,
  databaseUrl?: string,
): Promise<{ server: EngramProcess; key: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), "engram-tracing-"));
  scratch.push(dataDir);
  const server = await spawnEngram({ dataDir, env: { DATABASE_URL: databaseUrl, ...env } });
  return { server, key: await keyFor(dataDir, databaseUrl) };
}

/** A W3C traceparent of a new trace, sampled, and the ids it names. */
function traceparent(): { header: string; traceId: string; parentId: string } {
  const traceId = randomBytes(16).toString("hex");
  const parentId = randomBytes(8).toString("hex");
  return { header: `00-${traceId}-${parentId}-01`, traceId, parentId };
}

const inTrace = (traceId: string) => (spans: ReceivedSpan[]) => spans.filter((s) => s.traceId === traceId);

function headersWith(key: string, parent: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${key}`, traceparent: parent, ...extra };
}

describe("tracing over OTLP/HTTP protobuf, the default protocol", () => {
  let server: EngramProcess;
  let key: string;

  beforeAll(async () => {
    ({ server, key } = await serve({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.httpEndpoint,
      OTEL_EXPORTER_OTLP_HEADERS: "x-test-header=from-the-environment",
      OTEL_SERVICE_NAME: "engram-under-test",
      OTEL_BSP_SCHEDULE_DELAY: "50",
      ENGRAM_EMBEDDER: "local",
      ENGRAM_RERANKER: undefined,
    }));
    await server.waitForLog("embedder ready");
  });

  afterAll(async () => {
    await server.kill();
  });

  it.each<Protocol>(["grpc", "grpc-web", "connect-h1"])(
    "a write over %s continues the caller's trace: RPC, guard, embedder and statements",
    async (protocol) => {
      const trace = traceparent();
      const client = memoryClient(server.baseUrl, key, protocol);
      await client.writeMemory(
        {
          memory: {
            subjectType: "contact",
            subjectId: `c-${protocol}`,
            content: `Ana keeps the ${SECRET} ledger for ${protocol}`,
          },
        },
        { headers: { traceparent: trace.header } },
      );
      const transport = protocol === "grpc" ? "grpc" : protocol === "grpc-web" ? "grpc_web" : "connect";
      const spans = inTrace(trace.traceId)(
        await receiver.waitFor((all) => {
          const mine = inTrace(trace.traceId)(all);
          return (
            mine.some((s) => s.name.endsWith("/WriteMemory")) &&
            mine.some((s) => s.name.startsWith("INSERT")) &&
            mine.some((s) => s.name.startsWith("embeddings"))
          );
        }),
      );
      const rpc = spans.find((s) => s.name === "engram.v1.MemoryService/WriteMemory");
      expect(rpc).toMatchObject({
        parentSpanId: trace.parentId,
        kind: SERVER,
        attributes: {
          "rpc.system.name": protocol === "connect-h1" ? "connectrpc" : "grpc",
          "rpc.method": "engram.v1.MemoryService/WriteMemory",
          "rpc.response.status_code": "OK",
          "engram.transport": transport,
          "gen_ai.operation.name": "upsert_memory",
          "gen_ai.memory.store.id": "default",
        },
        resource: { "service.name": "engram-under-test" },
      });
      const children = spans.filter((s) => s.parentSpanId === rpc?.spanId).map((s) => s.name);
      expect(children).toEqual(expect.arrayContaining(["engram.write_guard", "INSERT memories"]));
      expect(children.some((name) => name.startsWith("embeddings local:"))).toBe(true);
      const statement = spans.find((s) => s.name === "INSERT memories");
      expect(statement).toMatchObject({
        kind: CLIENT,
        attributes: { "db.system.name": "postgresql", "db.operation.name": "INSERT", "db.collection.name": "memories" },
      });
      expect(receiver.requests.every((r) => r.testHeader === "from-the-environment")).toBe(true);
    },
  );

  it("a REST search and an MCP call continue the caller's trace, through their in-process RPC", async () => {
    const rest = traceparent();
    const res = await fetch(`${server.baseUrl}/v1/memory/search`, {
      method: "POST",
      headers: headersWith(key, rest.header, { "content-type": "application/json" }),
      body: JSON.stringify({ query: "who keeps the ledger", mode: "HYBRID" }),
    });
    expect(res.status).toBe(200);
    const mcp = traceparent();
    const call = await fetch(`${server.baseUrl}/mcp`, {
      method: "POST",
      headers: headersWith(key, mcp.header, {
        accept: "application/json, text/event-stream",
        "content-type": "application/json",
      }),
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "list_memory", arguments: {} },
      }),
    });
    expect(call.status).toBe(200);
    await receiver.waitFor(
      (all) =>
        inTrace(rest.traceId)(all).some((s) => s.name.endsWith("/SearchMemories")) &&
        inTrace(mcp.traceId)(all).some((s) => s.name === "tools/call list_memory"),
    );
    const search = receiver.spans.find((s) => s.traceId === rest.traceId && s.name.endsWith("/SearchMemories"));
    expect(search).toMatchObject({
      parentSpanId: rest.parentId,
      attributes: { "engram.transport": "rest", "gen_ai.operation.name": "search_memory" },
    });
    expect(inTrace(rest.traceId)(receiver.spans).some((s) => s.name.startsWith("embeddings"))).toBe(true);
    const tool = receiver.spans.find((s) => s.traceId === mcp.traceId && s.name === "tools/call list_memory");
    expect(tool).toMatchObject({
      parentSpanId: mcp.parentId,
      kind: SERVER,
      attributes: { "mcp.method.name": "tools/call", "gen_ai.tool.name": "list_memory" },
    });
    const list = receiver.spans.find((s) => s.traceId === mcp.traceId && s.name.endsWith("/ListMemories"));
    expect(list).toMatchObject({
      parentSpanId: tool?.spanId,
      kind: INTERNAL,
      attributes: { "engram.transport": "mcp" },
    });
  });

  it("a reranked search has a span for the reranker", async () => {
    const client = memoryClient(server.baseUrl, key);
    // The cross-encoder loads on first use: until then a search ranks without it.
    await expect
      .poll(
        async () => {
          const trace = traceparent();
          const answers = client.searchMemories(
            { query: "ledger", mode: SearchMode.HYBRID, rerank: true },
            { headers: { traceparent: trace.header } },
          );
          for await (const answer of answers) expect(answer).toBeDefined();
          await receiver.waitFor((all) => inTrace(trace.traceId)(all).some((s) => s.name.endsWith("/SearchMemories")));
          return inTrace(trace.traceId)(receiver.spans).find((s) => s.name.startsWith("rerank "));
        },
        { timeout: 60_000, interval: 500 },
      )
      .toMatchObject({ attributes: { "gen_ai.operation.name": "rerank", "engram.model.texts": expect.any(Number) } });
  });

  it("a search's work up to its first result is inside its RPC span: the embedder and the statements", async () => {
    const trace = traceparent();
    const answers = memoryClient(server.baseUrl, key).searchMemories(
      { query: "who keeps the ledger", mode: SearchMode.HYBRID },
      { headers: { traceparent: trace.header } },
    );
    for await (const answer of answers) expect(answer).toBeDefined();
    const spans = inTrace(trace.traceId)(
      await receiver.waitFor((all) => {
        const mine = inTrace(trace.traceId)(all);
        return mine.some((s) => s.name.endsWith("/SearchMemories")) && mine.some((s) => s.name === "SELECT memories");
      }),
    );
    const rpc = spans.find((s) => s.name === "engram.v1.MemoryService/SearchMemories");
    expect(rpc).toMatchObject({ parentSpanId: trace.parentId, attributes: { "rpc.response.status_code": "OK" } });
    const children = spans.filter((s) => s.parentSpanId === rpc?.spanId).map((s) => s.name);
    expect(children.some((name) => name.startsWith("embeddings local:"))).toBe(true);
    expect(children).toContain("SELECT memories");
  });

  it("a caller's error is its status code on the span, not a server fault; a call without context starts a trace", async () => {
    const client = memoryClient(server.baseUrl, key);
    await expect(client.getMemory({ id: "018f0000-0000-7000-8000-000000000000" })).rejects.toThrow();
    const spans = await receiver.waitFor((all) =>
      all.some((s) => s.name.endsWith("/GetMemory") && s.attributes["rpc.response.status_code"] === "NOT_FOUND"),
    );
    const get = spans.find((s) => s.name.endsWith("/GetMemory"));
    expect(get?.status).toBe(0);
    expect(get?.parentSpanId).toBe("");
  });

  it("the background work a write wakes is traced apart from it", async () => {
    // The tally folder runs half a second after writes: its statements are traces of their own.
    const spans = await receiver.waitFor((all) =>
      all.some((s) => s.name === "DELETE relation_tallies" && s.parentSpanId === ""),
    );
    const writes = new Set(spans.filter((s) => s.name.endsWith("/WriteMemory")).map((s) => s.traceId));
    const folds = spans.filter((s) => s.name === "DELETE relation_tallies");
    expect(folds.filter((s) => writes.has(s.traceId))).toEqual([]);
    // The webhook deliverer's poll, twice a second, finds nothing here and is not traced.
    expect(spans.filter((s) => s.name === "UPDATE webhooks")).toEqual([]);
  });

  it("hostile trace headers are ignored: the call is answered and starts a trace of its own", async () => {
    const hostile: Record<string, string>[] = [
      { traceparent: `00-${"f".repeat(32)}-${"0".repeat(16)}-01` },
      { traceparent: `00-${"0".repeat(32)}-${"a".repeat(16)}-01` },
      { traceparent: `ff-${"a".repeat(32)}-${"b".repeat(16)}-01` },
      { traceparent: "x".repeat(6_000), tracestate: "k=v,".repeat(1_000) },
      { traceparent: `00-${"a".repeat(32)}-${"b".repeat(16)}-01`, tracestate: "=,=,@@ ,", baggage: "%%%;;;===" },
      { baggage: Array.from({ length: 300 }, (_, i) => `k${i}=${"v".repeat(20)}`).join(",") },
    ];
    for (const headers of hostile) {
      const res = await fetch(`${server.baseUrl}/v1/memory`, {
        headers: { authorization: `Bearer ${key}`, ...headers },
      });
      expect(res.status).toBe(200);
    }
    const valid = `${"a".repeat(32)}`;
    const spans = await receiver.waitFor(
      (all) =>
        all.filter((s) => s.name.endsWith("/ListMemories") && s.attributes["engram.transport"] === "rest").length >= 6,
    );
    const lists = spans.filter((s) => s.name.endsWith("/ListMemories") && s.attributes["engram.transport"] === "rest");
    // Only the well-formed parent (the fifth) is continued; the others start traces of their own.
    expect(lists.filter((s) => s.traceId === valid)).toHaveLength(1);
    expect(lists.filter((s) => s.parentSpanId === "").length).toBeGreaterThanOrEqual(5);
  });

  it("no span carries what a memory says, nor a statement's text", () => {
    expect(receiver.spans.length).toBeGreaterThan(20);
    for (const span of receiver.spans) {
      expect(JSON.stringify(span)).not.toContain(SECRET);
      expect(span.attributes["db.query.text"]).toBeUndefined();
    }
  });
});

describe.each([
  ["http/json", "PGlite"],
  ["grpc", "Postgres"],
] as const)("tracing over OTLP %s, on %s", (protocol, engine) => {
  it("exports a write's spans, its statements included", async () => {
    const databaseUrl = engine === "Postgres" ? inject("postgresUrl") : undefined;
    const { server, key } = await serve(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: protocol === "grpc" ? receiver.grpcEndpoint : receiver.httpEndpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_BSP_SCHEDULE_DELAY: "50",
      },
      databaseUrl,
    );
    try {
      const trace = traceparent();
      await memoryClient(server.baseUrl, key).writeMemory(
        { memory: { subjectType: "contact", subjectId: "c1", kind: "note", content: `Bo files the ${SECRET} report` } },
        { headers: { traceparent: trace.header } },
      );
      const spans = inTrace(trace.traceId)(
        await receiver.waitFor((all) => inTrace(trace.traceId)(all).some((s) => s.name.endsWith("/WriteMemory"))),
      );
      const rpc = spans.find((s) => s.name.endsWith("/WriteMemory"));
      expect(rpc).toMatchObject({ protocol, parentSpanId: trace.parentId });
      expect(spans.find((s) => s.name === "INSERT memories")).toMatchObject({
        protocol,
        parentSpanId: rpc?.spanId,
        attributes: { "db.system.name": "postgresql" },
      });
      for (const span of spans) expect(JSON.stringify(span)).not.toContain(SECRET);
    } finally {
      await server.kill();
    }
  });
});

describe("tracing's start and stop", () => {
  it("exports what is buffered when the server stops", async () => {
    const { server, key } = await serve({
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.httpEndpoint,
      OTEL_BSP_SCHEDULE_DELAY: "600000",
    });
    const trace = traceparent();
    await memoryClient(server.baseUrl, key).listMemories({}, { headers: { traceparent: trace.header } });
    server.child.kill("SIGTERM");
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(inTrace(trace.traceId)(receiver.spans).some((s) => s.name.endsWith("/ListMemories"))).toBe(true);
  });

  it("sends nothing when OTEL_TRACES_EXPORTER is none, whatever the endpoint", async () => {
    const before = receiver.requests.length;
    const { server, key } = await serve({
      OTEL_TRACES_EXPORTER: "none",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.httpEndpoint,
      OTEL_BSP_SCHEDULE_DELAY: "50",
    });
    await memoryClient(server.baseUrl, key).listMemories({}, { headers: { traceparent: traceparent().header } });
    server.child.kill("SIGTERM");
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(receiver.requests.length).toBe(before);
    expect(server.stderrLines.some((line) => line.includes("tracing on"))).toBe(false);
  });

  it("refuses to start with a setting it cannot honour, saying which", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "engram-tracing-"));
    scratch.push(dataDir);
    await expect(
      spawnEngram({
        dataDir,
        env: { DATABASE_URL: undefined, OTEL_TRACES_EXPORTER: "zipkin" },
        args: ["--embedder", "none"],
      }),
    ).rejects.toThrow(/OTEL_TRACES_EXPORTER: \\"zipkin\\" is not supported/);
  });
});
