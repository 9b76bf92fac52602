/**
 * What each way in costs: the same keyed write and the same list, one call at a time, over
 * Connect (JSON, HTTP/1.1), gRPC (h2c), REST and MCP (Streamable HTTP), against one server on
 * embedded PGlite, or on the Postgres named by DATABASE_URL. Prints latency percentiles; asserts nothing.
 *
 *   npm run bench:transports [-- --calls 300]
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { pino } from "pino";
import { MemoryService } from "../gen/ts/engram/v1/memory_service_pb.js";
import { startEngram } from "../src/app.js";
import { ApiKeys } from "../src/auth/api-keys.js";
import { DEFAULT_CONFIG } from "../src/config.js";
import { fixed, percentile, table } from "./report.js";

const { values } = parseArgs({ options: { calls: { type: "string", default: "300" } } });
const CALLS = Number(values.calls);

interface Way {
  name: string;
  write(i: number): Promise<unknown>;
  list(): Promise<unknown>;
}

const dataDir = await mkdtemp(join(tmpdir(), "engram-bench-"));
const engram = await startEngram(
  {
    ...DEFAULT_CONFIG,
    host: "127.0.0.1",
    port: 0,
    dataDir,
    databaseUrl: process.env.DATABASE_URL || undefined,
    rateLimit: 0,
    logLevel: "silent",
    embedding: { ...DEFAULT_CONFIG.embedding, provider: "none" },
  },
  pino({ level: "silent" }),
);
const baseUrl = `http://127.0.0.1:${engram.port}`;
const { secret } = await new ApiKeys(engram.db.em).create({
  workspaceId: "bench",
  displayName: "bench",
  scopes: ["memory:read", "memory:write"],
  agentId: "bench-agent",
});
const headers = { authorization: `Bearer ${secret}` };
const memory = (way: string, i: number) => ({
  subjectType: "contact",
  subjectId: `${way}-subject`,
  kind: "pitch",
  key: `k${i % 20}`,
  content: `Pitched feature ${i} to the contact; angle: time savings`,
});

function rpcWay(name: string, transport: Transport): Way {
  const client = createClient(MemoryService, transport);
  return {
    name,
    write: (i) => client.writeMemory({ memory: memory(name, i) }, { headers }),
    list: () => client.listMemories({ filter: { subjectType: "contact", subjectId: `${name}-subject` } }, { headers }),
  };
}

async function rest(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

const snake = (i: number) => {
  const m = memory("rest", i);
  return { subject_type: m.subjectType, subject_id: m.subjectId, kind: m.kind, key: m.key, content: m.content };
};

const mcp = new McpClient({ name: "bench", version: "1.0.0" });
await mcp.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), { requestInit: { headers } }));
const mcpCall = async (name: string, args: Record<string, unknown>) => {
  const result = await mcp.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
  return result;
};

const ways: Way[] = [
  rpcWay("connect", createConnectTransport({ baseUrl, httpVersion: "1.1" })),
  rpcWay("grpc", createGrpcTransport({ baseUrl })),
  {
    name: "rest",
    write: (i) => rest("POST", "/v1/memory", snake(i)),
    list: () => rest("GET", "/v1/memory?subject_type=contact&subject_id=rest-subject"),
  },
  {
    name: "mcp",
    write: (i) => {
      const m = snake(i);
      return mcpCall("write_memory", { ...m, subject_id: "mcp-subject" });
    },
    list: () => mcpCall("list_memory", { subject_type: "contact", subject_id: "mcp-subject" }),
  },
];

async function time(call: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 20; i++) await call(); // warm up connections and code paths
  const samples: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const started = performance.now();
    await call();
    samples.push(performance.now() - started);
  }
  return samples;
}

const rows: (string | number)[][] = [];
try {
  for (const way of ways) {
    let i = 0;
    const writes = await time(() => way.write(i++));
    const lists = await time(() => way.list());
    for (const [op, samples] of [
      ["write (keyed upsert)", writes],
      ["list (20 memories)", lists],
    ] as const) {
      rows.push([
        way.name,
        op,
        fixed(percentile(samples, 50), 2),
        fixed(percentile(samples, 95), 2),
        fixed(percentile(samples, 99), 2),
      ]);
    }
  }
  console.log(
    `\n${CALLS} sequential calls per row, one client, ${engram.db.kind === "pglite" ? "embedded PGlite" : "Postgres"} (ms):\n`,
  );
  console.log(table(["transport", "operation", "p50", "p95", "p99"], rows));
} finally {
  await mcp.close();
  await engram.close();
  await rm(dataDir, { recursive: true, force: true });
}
