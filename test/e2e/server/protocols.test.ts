import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import tls from "node:tls";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  create,
  fromBinary,
  fromJson,
  toBinary,
  toJson,
  type DescMessage,
  type DescMethodUnary,
  type JsonValue,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { codeFromString } from "@connectrpc/connect/protocol-connect";
import { createConnectTransport, createGrpcWebTransport, Http2SessionManager } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryService, WriteOutcome } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../../gen/ts/grpc/health/v1/health_pb.js";
import { memoryClient } from "../../support/clients.js";
import { startTestServer, type TestServer } from "../../support/server.js";

const run = promisify(execFile);
const bufBin = fileURLToPath(new URL("../../../node_modules/.bin/buf", import.meta.url));

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

/** One unary call, whatever the wire protocol; failures are thrown as ConnectError. */
interface Caller {
  call<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    input: MessageInitShape<I>,
  ): Promise<MessageShape<O>>;
  close(): void;
}

const bearer = (key: string) => `Bearer ${key}`;
const methodPath = (method: DescMethodUnary) => `/${method.parent.typeName}/${method.name}`;

/** gRPC with the reference client, @grpc/grpc-js, serialising with protobuf-es. */
function grpcJsCaller(port: number, key: string): Caller {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return {
    call(method, input) {
      const metadata = new grpc.Metadata();
      metadata.set("authorization", bearer(key));
      return new Promise((resolve, reject) => {
        client.makeUnaryRequest(
          methodPath(method),
          (message: MessageShape<typeof method.input>) => Buffer.from(toBinary(method.input, message)),
          (bytes: Buffer) => fromBinary(method.output, bytes),
          create(method.input, input),
          metadata,
          (err, res) => (err ? reject(new ConnectError(err.details, err.code as number as Code)) : resolve(res!)),
        );
      });
    },
    close: () => client.close(),
  };
}

/** Connect's unary JSON protocol over HTTP/1.1 with nothing but fetch. */
function fetchJsonCaller(baseUrl: string, key: string): Caller {
  return {
    async call(method, input) {
      const res = await fetch(baseUrl + methodPath(method), {
        method: "POST",
        headers: { "content-type": "application/json", authorization: bearer(key) },
        body: JSON.stringify(toJson(method.input, create(method.input, input))),
      });
      const body = (await res.json()) as JsonValue & { code?: string; message?: string };
      if (!res.ok) throw new ConnectError(body.message ?? "", codeFromString(body.code ?? "") ?? Code.Unknown);
      return fromJson(method.output, body);
    },
    close() {},
  };
}

/** Any connect-node transport (gRPC-Web, Connect binary over h2c, ...). */
function transportCaller(transport: Transport, key: string, sessions?: Http2SessionManager): Caller {
  return {
    async call(method, input) {
      return (await transport.unary(method, undefined, undefined, { authorization: bearer(key) }, input)).message;
    },
    close: () => sessions?.abort(),
  };
}

const protocols: Record<string, (server: TestServer, key: string) => Caller> = {
  "gRPC (@grpc/grpc-js)": ({ port }, key) => grpcJsCaller(port, key),
  "gRPC-Web over HTTP/1.1": ({ baseUrl }, key) =>
    transportCaller(createGrpcWebTransport({ baseUrl, httpVersion: "1.1" }), key),
  "Connect JSON over HTTP/1.1 (fetch)": ({ baseUrl }, key) => fetchJsonCaller(baseUrl, key),
  "Connect binary over h2c": ({ baseUrl }, key) => {
    const sessionManager = new Http2SessionManager(baseUrl);
    const transport = createConnectTransport({ baseUrl, httpVersion: "2", useBinaryFormat: true, sessionManager });
    return transportCaller(transport, key, sessionManager);
  },
};
const protocolNames = Object.keys(protocols);

async function withCaller<T>(protocol: string, key: string, body: (caller: Caller) => Promise<T>): Promise<T> {
  const caller = protocols[protocol]!(server, key);
  try {
    return await body(caller);
  } finally {
    caller.close();
  }
}

/** Write, rewrite, get and list one keyed memory; every field type crosses the wire both ways. */
async function roundTrip(caller: Caller, subjectId: string): Promise<void> {
  const memory = {
    subjectType: "contact",
    subjectId,
    kind: "pitch",
    key: "latest",
    title: "Follow-up pitch",
    tags: ["sales", "q4"],
    metadata: { channel: "email", attempts: 2, nested: { ok: true } },
    linkedEntities: [{ type: "deal", id: `deal-${subjectId}` }],
    confidence: 0.75,
  };
  const created = await caller.call(MemoryService.method.writeMemory, {
    memory: { ...memory, content: "Pitched automated follow-up sequences; angle: time savings" },
  });
  expect(created.outcome).toBe(WriteOutcome.CREATED);
  expect(created.memory).toMatchObject({ ...memory, workspaceId: server.workspaceId, revision: 1n });

  const updated = await caller.call(MemoryService.method.writeMemory, {
    memory: { ...memory, content: "Second pitch; angle: fewer dropped leads" },
  });
  expect(updated.outcome).toBe(WriteOutcome.UPDATED);
  expect(updated.memory?.id).toBe(created.memory?.id);
  expect(updated.memory?.revision).toBe(2n);

  const got = await caller.call(MemoryService.method.getMemory, { id: created.memory!.id });
  expect(got.memory).toEqual(updated.memory);

  const listed = await caller.call(MemoryService.method.listMemories, {
    filter: { subjectType: "contact", subjectId },
  });
  expect(listed.memories).toEqual([updated.memory]);
}

describe("the same round trip on every protocol", () => {
  let n = 0;
  it.each(protocolNames)("%s: write, update, get and list", async (protocol) => {
    await withCaller(protocol, server.adminKey, (caller) => roundTrip(caller, `rt-${++n}-${Date.now()}`));
  });

  it.each(protocolNames)("%s: a call with an unknown key is UNAUTHENTICATED", async (protocol) => {
    const err = await withCaller(protocol, "egm_not-a-real-key", (caller) =>
      caller.call(MemoryService.method.getMemory, { id: "whatever" }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.Unauthenticated);
  });

  it.each(protocolNames)("%s: grpc.health.v1 Check answers SERVING", async (protocol) => {
    const res = await withCaller(protocol, server.adminKey, (caller) =>
      caller.call(Health.method.check, { service: MemoryService.typeName }),
    );
    expect(res.status).toBe(ServingStatus.SERVING);
  });

  it("Connect JSON takes a hand-written camelCase body and answers in proto3 JSON", async () => {
    const subjectId = `json-${Date.now()}`;
    const res = await fetch(`${server.baseUrl}/engram.v1.MemoryService/WriteMemory`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: bearer(server.adminKey) },
      body: JSON.stringify({
        memory: {
          subjectType: "contact",
          subjectId,
          kind: "note",
          content: "prefers email",
          linkedEntities: [{ type: "deal", id: "d1" }],
        },
        ttl: "3600s",
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const body = (await res.json()) as { outcome: string; memory: Record<string, unknown> };
    expect(body.outcome).toBe("WRITE_OUTCOME_CREATED");
    expect(body.memory).toMatchObject({
      subjectType: "contact",
      subjectId,
      linkedEntities: [{ type: "deal", id: "d1" }],
    });
    // Timestamps as RFC 3339 strings, the ttl turned into an expiry about an hour out.
    const expiresIn = Date.parse(body.memory.expireTime as string) - Date.parse(body.memory.createTime as string);
    expect(expiresIn).toBe(3600_000);
  });
});

/** GET over HTTP/1.1 or h2c (prior knowledge) on the server's one port. */
async function get(version: "1.1" | "2", path: string): Promise<{ status: number; body: string }> {
  if (version === "1.1") {
    return new Promise((resolve, reject) => {
      http
        .get(`${server.baseUrl}${path}`, { agent: false }, (res) => {
          let body = "";
          res.setEncoding("utf8").on("data", (c: string) => (body += c));
          res.on("end", () => resolve({ status: res.statusCode!, body }));
        })
        .on("error", reject);
    });
  }
  const session = http2.connect(server.baseUrl);
  try {
    return await new Promise((resolve, reject) => {
      session.on("error", reject);
      const stream = session.request({ ":path": path });
      let status = 0;
      let body = "";
      stream.on("response", (headers) => (status = Number(headers[":status"])));
      stream.setEncoding("utf8").on("data", (c: string) => (body += c));
      stream.on("end", () => resolve({ status, body }));
      stream.on("error", reject);
    });
  } finally {
    session.close();
  }
}

/** The value of one series of engram_rpc_total (0 when it has not been recorded yet). */
function rpcTotal(metrics: string, method: string, code: string): number {
  const series = `engram_rpc_total{method="${method}",code="${code}"} `;
  const line = metrics.split("\n").find((l) => l.startsWith(series));
  return line === undefined ? 0 : Number(line.slice(series.length));
}

describe("HTTP/1.1 and h2c on one port", () => {
  const versions = ["1.1", "2"] as const;

  it.each(versions)("HTTP/%s: /healthz and /readyz answer 200", async (version) => {
    expect(await get(version, "/healthz")).toEqual({ status: 200, body: "ok\n" });
    expect(await get(version, "/readyz")).toEqual({ status: 200, body: "ready\n" });
  });

  it.each(versions)("HTTP/%s: /metrics counts every RPC by method and code", async (version) => {
    const write = "engram.v1.MemoryService/WriteMemory";
    const before = (await get(version, "/metrics")).body;
    const client = memoryClient(server.baseUrl, server.adminKey);
    await client.writeMemory({
      memory: { subjectType: "metrics", subjectId: `m-${version}`, kind: "k", content: "counted" },
    });
    await client.getMemory({ id: "no-such-id" }).catch(() => undefined);

    const after = await get(version, "/metrics");
    expect(after.status).toBe(200);
    expect(after.body).toContain("# TYPE engram_rpc_total counter");
    expect(rpcTotal(after.body, write, "ok") - rpcTotal(before, write, "ok")).toBe(1);
    const getMethod = "engram.v1.MemoryService/GetMemory";
    expect(rpcTotal(after.body, getMethod, "notfound") - rpcTotal(before, getMethod, "notfound")).toBe(1);
    expect(after.body).toContain("engram_rpc_duration_seconds_bucket");
  });

  it("routes an HTTP/1.1 request whose first byte arrives alone (it could have been the h2 preface)", async () => {
    const body = JSON.stringify({ service: "" });
    const request =
      `POST /grpc.health.v1.Health/Check HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
    const socket = net.connect(server.port, "127.0.0.1");
    socket.setNoDelay(true);
    let response = "";
    socket.setEncoding("utf8").on("data", (c: string) => (response += c));
    const closed = new Promise<void>((resolve, reject) => socket.on("end", resolve).on("error", reject));
    await new Promise<void>((resolve) => socket.once("connect", resolve));
    socket.write(request.slice(0, 1));
    await sleep(50);
    socket.write(request.slice(1));
    await closed;
    expect(response).toMatch(/^HTTP\/1\.1 200 /);
    expect(JSON.parse(response.slice(response.indexOf("\r\n\r\n") + 4))).toEqual({ status: "SERVING" });
  });
});

describe("buf curl against the full server (health and reflection)", () => {
  async function bufCurl(...args: string[]): Promise<string> {
    const { stdout } = await run(bufBin, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args], {
      timeout: 30_000,
    });
    return stdout;
  }

  it("checks health without a key", async () => {
    const out = await bufCurl(`${server.baseUrl}/grpc.health.v1.Health/Check`);
    expect(JSON.parse(out)).toEqual({ status: "SERVING" });
  });

  it("lists the methods through reflection", async () => {
    const methods = (await bufCurl("--list-methods", server.baseUrl)).split("\n");
    expect(methods).toEqual(
      expect.arrayContaining([
        "engram.v1.MemoryService/WriteMemory",
        "engram.v1.MemoryService/ListMemories",
        "engram.v1.ApiKeyService/CreateApiKey",
        "grpc.health.v1.Health/Check",
      ]),
    );
  });

  it("writes a memory from JSON, with the schema taken from reflection", async () => {
    const subjectId = `buf-${Date.now()}`;
    const out = await bufCurl(
      "-H",
      `Authorization: Bearer ${server.adminKey}`,
      "-d",
      JSON.stringify({
        memory: {
          subject_type: "contact",
          subject_id: subjectId,
          kind: "note",
          content: "via buf curl",
          tags: ["cli"],
        },
      }),
      `${server.baseUrl}/engram.v1.MemoryService/WriteMemory`,
    );
    const written = JSON.parse(out) as { outcome: string; memory: { id: string } };
    expect(written.outcome).toBe("WRITE_OUTCOME_CREATED");

    const { memory } = await memoryClient(server.baseUrl, server.adminKey).getMemory({ id: written.memory.id });
    expect(memory).toMatchObject({ subjectType: "contact", subjectId, content: "via buf curl", tags: ["cli"] });
  });
});

describe("TLS", () => {
  let tlsServer: TestServer;
  let certDir: string;
  let ca: string;

  beforeAll(async () => {
    certDir = await mkdtemp(join(tmpdir(), "engram-tls-"));
    const [cert, key] = [join(certDir, "cert.pem"), join(certDir, "key.pem")];
    // Needs openssl on PATH (Debian: apt-get install openssl).
    await run("openssl", [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1"],
      ...["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", cert],
    ]);
    ca = await readFile(cert, "utf8");
    tlsServer = await startTestServer({ tlsCert: cert, tlsKey: key });
  });
  afterAll(async () => {
    await tlsServer?.close();
    await rm(certDir, { recursive: true, force: true });
  });

  const httpsUrl = () => `https://127.0.0.1:${tlsServer.port}`;

  it.each(["1.1", "2"] as const)("serves Connect over HTTPS with HTTP/%s", async (httpVersion) => {
    const baseUrl = httpsUrl();
    const sessionManager = httpVersion === "2" ? new Http2SessionManager(baseUrl, undefined, { ca }) : undefined;
    const transport = createConnectTransport({ baseUrl, httpVersion, nodeOptions: { ca }, sessionManager });
    const caller = transportCaller(transport, tlsServer.adminKey, sessionManager);
    try {
      const subjectId = `tls-h${httpVersion}`;
      const written = await caller.call(MemoryService.method.writeMemory, {
        memory: { subjectType: "contact", subjectId, kind: "note", content: `over TLS, HTTP/${httpVersion}` },
      });
      const listed = await caller.call(MemoryService.method.listMemories, {
        filter: { subjectType: "contact", subjectId },
      });
      expect(listed.memories.map((m) => m.id)).toEqual([written.memory!.id]);
    } finally {
      caller.close();
    }
  });

  it("negotiates h2 and http/1.1 by ALPN", async () => {
    const alpn = (protocols: string[]) =>
      new Promise<string | false>((resolve, reject) => {
        const socket = tls.connect({
          host: "127.0.0.1",
          port: tlsServer.port,
          ca,
          ALPNProtocols: protocols,
        });
        socket.once("secureConnect", () => {
          resolve(socket.alpnProtocol ?? false);
          socket.end();
        });
        socket.once("error", reject);
      });
    expect(await alpn(["h2", "http/1.1"])).toBe("h2");
    expect(await alpn(["http/1.1"])).toBe("http/1.1");
  });
});
