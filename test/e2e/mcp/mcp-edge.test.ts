/**
 * The MCP endpoint at its edges: what stateless Streamable HTTP does with GET and DELETE, bad
 * bodies answered 4xx with JSON-RPC's codes, malformed tools/call answered as invalid params,
 * and a rate-limited tool call that says when to retry.
 */
import { fileURLToPath } from "node:url";
import { createRouterTransport } from "@connectrpc/connect";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CallToolResultSchema, McpError, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiKeys } from "../../../src/auth/api-keys.js";
import { mcpHandler } from "../../../src/mcp/http.js";
import { listen } from "../../../src/server/listener.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import { Authentication } from "../../../src/api/authentication.js";
import { memoryRateLimiters } from "../../../src/api/rate-limiters.js";
import { BodyBudget, MAX_REQUEST_BYTES } from "../../../src/api/limits.js";

type TransportKind = "streamable-http" | "stdio";

const ENGRAM = fileURLToPath(new URL("../../../bin/engram.js", import.meta.url));

let server: TestServer;
let limited: TestServer;
const clients: Client[] = [];

beforeAll(async () => {
  [server, limited] = await Promise.all([startTestServer(), startTestServer({ rateLimit: 1 })]);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all([server?.close(), limited?.close()]);
});

async function connect(kind: TransportKind, target: TestServer, apiKey: string): Promise<Client> {
  const client = new Client({ name: "engram-edge-test", version: "1.0.0" });
  const transport =
    kind === "streamable-http"
      ? new StreamableHTTPClientTransport(new URL(`${target.baseUrl}/mcp`), {
          requestInit: { headers: { authorization: `Bearer ${apiKey}` } },
        })
      : new StdioClientTransport({
          command: process.execPath,
          args: [ENGRAM, "mcp", "--url", target.baseUrl],
          env: { ...(process.env as Record<string, string>), ENGRAM_API_KEY: apiKey },
          stderr: "pipe",
        });
  await client.connect(transport);
  clients.push(client);
  return client;
}

/** POSTs `body` to /mcp as an MCP client would, with `headers` on top. */
function post(body: BodyInit, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.baseUrl}/mcp`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${server.adminKey}`,
      accept: "application/json, text/event-stream",
      "content-type": "application/json",
      ...headers,
    },
    body,
  });
}

describe("HTTP methods on the stateless endpoint", () => {
  it.each(["GET", "DELETE", "PUT"])("%s /mcp answers 405 at once, allowing POST", async (method) => {
    const res = await fetch(`${server.baseUrl}/mcp`, {
      method,
      headers: { authorization: `Bearer ${server.adminKey}`, accept: "text/event-stream, application/json" },
    });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    const body = (await res.json()) as { jsonrpc: string; error: { code: number; message: string } };
    expect(body).toMatchObject({ jsonrpc: "2.0", error: { code: -32000 } });
    expect(body.error.message).toMatch(/POST/);
  });

  it("the SDK's client takes the 405 and works over POST alone", async () => {
    const client = await connect("streamable-http", server, server.adminKey);
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(20);
  });
});

describe("bad bodies get a 4xx with JSON-RPC's code, never a 500", () => {
  const PARSE_ERROR = -32700;
  const INVALID_REQUEST = -32600;
  const cases: [string, BodyInit, number, number][] = [
    ["not JSON", "{not json", 400, PARSE_ERROR],
    ["empty", "", 400, PARSE_ERROR],
    ["invalid UTF-8", new Uint8Array([0x22, 0xff, 0xfe, 0x22]), 400, PARSE_ERROR],
    ["a number", "42", 400, INVALID_REQUEST],
    ["null", "null", 400, INVALID_REQUEST],
    ["an empty batch", "[]", 400, INVALID_REQUEST],
    ["a batch of garbage", '[1, "two", {"three": 3}]', 400, INVALID_REQUEST],
    [
      "a batch with one bad message",
      '[{"jsonrpc":"2.0","id":1,"method":"tools/list"}, {"id":2}]',
      400,
      INVALID_REQUEST,
    ],
    ["the wrong JSON-RPC version", '{"jsonrpc":"1.0","id":1,"method":"tools/list"}', 400, INVALID_REQUEST],
    [
      "params that are not structured",
      '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":"x"}',
      400,
      INVALID_REQUEST,
    ],
  ];

  it.each(cases)("%s", async (_, body, status, code) => {
    const res = await post(body);
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ jsonrpc: "2.0", error: { code, message: expect.any(String) }, id: null });
  });

  it("a body over the limit is refused with 413", async () => {
    const res = await post(
      `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"pad":"${"x".repeat(MAX_REQUEST_BYTES + 1)}"}}`,
    );
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: INVALID_REQUEST } });
  });

  it("the wrong content type or Accept header is refused with 415 or 406", async () => {
    const message = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';
    expect((await post(message, { "content-type": "text/plain" })).status).toBe(415);
    expect((await post(message, { accept: "text/html" })).status).toBe(406);
  });

  it("a valid batch is still answered, message by message", async () => {
    const res = await post(
      JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "tools/list" },
        { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "list_memory", arguments: {} } },
      ]),
    );
    expect(res.status).toBe(200);
    const answers = (await res.json()) as { id: number; result: Record<string, unknown> }[];
    expect(answers.map((a) => a.id).sort()).toEqual([1, 2]);
    for (const answer of answers) expect(answer.result).toBeDefined();
  });
});

describe.each<TransportKind>(["streamable-http", "stdio"])("over %s", (kind) => {
  it("a malformed tools/call is invalid params (-32602) naming what is wrong, and the session keeps working", async () => {
    const client = await connect(kind, server, server.adminKey);
    const malformed: [unknown, RegExp][] = [
      [undefined, /params: expected object/],
      [{ arguments: {} }, /params\.name: expected string/],
      [{ name: 5 }, /params\.name: expected string, received number/],
      [{ name: "list_memory", arguments: [1, 2] }, /params\.arguments: expected record, received array/],
      [{ name: "list_memory", arguments: "subject_type=contact" }, /params\.arguments: expected record/],
      [{ name: "no_such_tool", arguments: {} }, /unknown tool "no_such_tool"/],
    ];
    for (const [params, message] of malformed) {
      const sent = client.request({ method: "tools/call", params } as never, CallToolResultSchema);
      const err = await sent.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, JSON.stringify(params)).toBeInstanceOf(McpError);
      expect((err as McpError).code, JSON.stringify(params)).toBe(-32602);
      expect((err as McpError).message).toMatch(message);
    }
    const result = (await client.callTool({ name: "list_memory", arguments: {} })) as CallToolResult;
    expect(result.isError ?? false).toBe(false);
  });

  it("a rate-limited tool call says when to retry, in words and in structured form", async () => {
    const client = await connect(kind, limited, limited.adminKey);
    // One call a second is allowed: of three at once, the later ones are refused.
    const results = (await Promise.all(
      [1, 2, 3].map(() => client.callTool({ name: "list_memory", arguments: {} })),
    )) as CallToolResult[];
    const refused = results.filter((r) => r.isError === true);
    expect(refused.length).toBeGreaterThan(0);
    for (const result of refused) {
      const text = result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
      const match = /^resource exhausted: .*; retry after (\d+) ms$/.exec(text);
      expect(match, text).not.toBeNull();
      const retryAfterMs = Number(match![1]);
      expect(retryAfterMs).toBeGreaterThan(0);
      expect(retryAfterMs).toBeLessThanOrEqual(1000);
      expect(result.structuredContent).toEqual({
        error: { code: "RESOURCE_EXHAUSTED", message: expect.any(String), retry_after_ms: retryAfterMs },
      });
    }
  });
});

describe("a fault of the server's own", () => {
  it("answers 500 with -32603 and logs the error's class and stack, not its message", async () => {
    const lines: string[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => lines.push(line) });
    const failing = {
      authenticate: () =>
        Promise.reject(new Error("insert into memories values ('Sarah confided the pricing objection')")),
    } as unknown as ApiKeys;
    const handler = mcpHandler({
      transport: createRouterTransport(() => {}),
      authentication: new Authentication({
        apiKeys: failing,
        rateLimitPerSecond: 0,
        authFailuresPerMinute: 0,
        limiters: memoryRateLimiters,
      }),
      bodyBudget: new BodyBudget(),
      logger,
    });
    const listener = await listen(handler, { host: "127.0.0.1", port: 0 });
    try {
      const res = await fetch(`http://127.0.0.1:${listener.port}/mcp`, {
        method: "POST",
        headers: { authorization: "Bearer any", "content-type": "application/json" },
        body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
      });
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({ error: { code: -32603 } });
    } finally {
      await listener.close(1_000);
    }
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: "MCP request failed", error: { type: "Error" } });
    expect(lines[0]).not.toContain("Sarah");
  });
});
