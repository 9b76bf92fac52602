import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import { gzipSync } from "node:zlib";
import { toBinary, create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BatchWriteMemoriesRequestSchema,
  ListMemoriesRequestSchema,
  WriteMemoryRequestSchema,
} from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { MAX_REQUEST_BYTES } from "../../../src/api/limits.js";
import { memoryClient } from "../../support/clients.js";
import { startTestServer, type TestServer } from "../../support/server.js";

/**
 * Every request body is bounded and must decode before the service sees it, on every
 * protocol: too large is RESOURCE_EXHAUSTED (answered without reading the body), malformed
 * bytes or compression are INVALID_ARGUMENT, never INTERNAL, and nothing is written.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

const WRITE = "/engram.v1.MemoryService/WriteMemory";
const LIST = "/engram.v1.MemoryService/ListMemories";

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** An HTTP/1.1 POST; with `announce`, only the headers go out, claiming that many body bytes. */
function post(path: string, headers: Record<string, string>, body: Uint8Array, announce?: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port: server.port,
        method: "POST",
        path,
        headers: { authorization: `Bearer ${server.adminKey}`, ...headers, "content-length": announce ?? body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") });
          // Answered before the announced body was sent: stop sending.
          if (announce !== undefined) req.destroy();
        });
      },
    );
    req.on("error", (err) => (announce === undefined ? reject(err) : undefined));
    if (announce === undefined) req.end(body);
    else req.flushHeaders();
  });
}

/** One gRPC call over h2c with a hand-made envelope; resolves with grpc-status and grpc-message. */
function grpcCall(
  path: string,
  envelope: Uint8Array,
  headers: Record<string, string> = {},
): Promise<{ status: string; message: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(server.baseUrl);
    session.on("error", reject);
    const stream = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc+proto",
      te: "trailers",
      authorization: `Bearer ${server.adminKey}`,
      ...headers,
    });
    let status = "";
    let message = "";
    const read = (h: http2.IncomingHttpHeaders) => {
      if (h["grpc-status"] !== undefined) status = String(h["grpc-status"]);
      if (h["grpc-message"] !== undefined) message = decodeURIComponent(String(h["grpc-message"]));
    };
    stream.on("response", read);
    stream.on("trailers", read);
    stream.on("data", () => {});
    stream.on("end", () => {
      session.close();
      resolve({ status, message });
    });
    stream.on("error", reject);
    stream.end(envelope);
  });
}

/** gRPC-Web over HTTP/1.1: the status arrives in the trailer frame at the end of the body. */
async function grpcWebCall(path: string, envelope: Uint8Array): Promise<string> {
  const res = await fetch(server.baseUrl + path, {
    method: "POST",
    headers: { "content-type": "application/grpc-web+proto", authorization: `Bearer ${server.adminKey}` },
    body: Buffer.from(envelope),
  });
  const text = Buffer.from(await res.arrayBuffer()).toString("latin1");
  return res.headers.get("grpc-status") ?? /grpc-status:\s*(\d+)/.exec(text)?.[1] ?? "";
}

function envelope(payload: Uint8Array, flags = 0): Uint8Array {
  const out = Buffer.alloc(5 + payload.length);
  out.writeUInt8(flags, 0);
  out.writeUInt32BE(payload.length, 1);
  out.set(payload, 5);
  return out;
}

const writeRequest = (content: string) =>
  toBinary(
    WriteMemoryRequestSchema,
    create(WriteMemoryRequestSchema, {
      memory: { subjectType: "contact", subjectId: "bodies", kind: "note", content },
    }),
  );

async function storedCount(): Promise<number> {
  const listed = await memoryClient(server.baseUrl, server.adminKey).listMemories({
    filter: { subjectType: "contact", subjectId: "bodies" },
    pageSize: 500,
  });
  return listed.memories.length;
}

describe("oversized requests", () => {
  it("answers RESOURCE_EXHAUSTED from the announced length alone, before the body is sent (Connect JSON and binary)", async () => {
    for (const type of ["application/json", "application/proto"]) {
      const answer = await post(WRITE, { "content-type": type }, new Uint8Array(), 100 * 1024 * 1024);
      expect(answer.status, type).toBe(429);
      expect(JSON.parse(answer.body)).toMatchObject({ code: "resource_exhausted" });
    }
  });

  it("REST: 413 from the announced length alone", async () => {
    const answer = await post(
      "/v1/memory",
      { "content-type": "application/json" },
      new Uint8Array(),
      100 * 1024 * 1024,
    );
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { status: "PAYLOAD_TOO_LARGE" } });
  });

  it("REST: a caller without a valid key is refused before its body is read", async () => {
    const answer = await post(
      "/v1/memory",
      { "content-type": "application/json", authorization: "Bearer not-a-key" },
      new Uint8Array(),
      MAX_REQUEST_BYTES - 1,
    );
    expect(answer.status).toBe(401);
  });

  it.each([
    ["REST, refused before its body is read", "/v1/memory", 1024 * 1024, "401"],
    ["Connect, refused part way through a body without a length", WRITE, MAX_REQUEST_BYTES + 4 * 1024 * 1024, "429"],
  ])(
    "%s: a client that sends its whole body before reading, on a connection it closes, still reads the refusal",
    async (_, path, size, status) => {
      // The server closes this connection after answering: had it closed before reading what
      // the client was still sending, the kernel would reset the connection and lose the answer.
      const authorization = status === "401" ? "Bearer not-a-key" : `Bearer ${server.adminKey}`;
      const head =
        `POST ${path} HTTP/1.1\r\nHost: engram\r\nAuthorization: ${authorization}\r\n` +
        `Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
      const chunk = Buffer.alloc(1024 * 1024, "a");
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(server.port, "127.0.0.1", () => {
          socket.write(head);
          for (let sent = 0; sent < size; sent += chunk.length) {
            socket.write(`${chunk.length.toString(16)}\r\n`);
            socket.write(chunk);
            socket.write("\r\n");
          }
          socket.write("0\r\n\r\n");
        });
        const chunks: Buffer[] = [];
        socket.on("data", (c: Buffer) => chunks.push(c));
        socket.on("end", () => resolve(Buffer.concat(chunks).toString("latin1")));
        socket.on("error", reject);
      });
      expect(answer.split("\r\n", 1)[0]).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
    },
  );

  it("refuses a body over the limit as it streams in, without a length (gRPC envelope header)", async () => {
    // An envelope that promises more than the limit: refused from its 5-byte header.
    const header = Buffer.alloc(5);
    header.writeUInt32BE(MAX_REQUEST_BYTES + 1, 1);
    const answer = await grpcCall(WRITE, header);
    expect(answer.status).toBe("8");
  });

  it("refuses a small gzip body that inflates past the limit (Connect and gRPC)", async () => {
    const bomb = gzipSync(Buffer.alloc(MAX_REQUEST_BYTES + 1024, " "));
    expect(bomb.length).toBeLessThan(100_000);
    const connect = await post(WRITE, { "content-type": "application/json", "content-encoding": "gzip" }, bomb);
    expect(connect.status).toBe(429);
    expect(JSON.parse(connect.body)).toMatchObject({ code: "resource_exhausted" });
    const grpc = await grpcCall(WRITE, envelope(bomb, 1), { "grpc-encoding": "gzip" });
    expect(grpc.status).toBe("8");
  });

  it("still accepts the largest valid request: 100 memories of 50,000 four-byte characters with full metadata", async () => {
    const client = memoryClient(server.baseUrl, server.adminKey, "grpc");
    const metadata = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, "m".repeat(1_000)]));
    const requests = Array.from({ length: 100 }, (_, i) => ({
      memory: {
        subjectType: "contact",
        subjectId: "largest",
        kind: "note",
        content: `${String(i).padStart(2, "0")} `.padEnd(3 + 49_997 * 2, "\u{1F600}"),
        metadata,
      },
      validateOnly: true,
    }));
    const size = toBinary(
      BatchWriteMemoriesRequestSchema,
      create(BatchWriteMemoriesRequestSchema, { requests, atomic: true }),
    ).length;
    expect(size).toBeGreaterThan(25_000_000);
    expect(size).toBeLessThan(MAX_REQUEST_BYTES);
    const res = await client.batchWriteMemories({ requests, atomic: true });
    expect(res.results).toHaveLength(100);
  });
});

describe("malformed bodies are INVALID_ARGUMENT on every protocol, and change nothing", () => {
  const truncated = writeRequest("a memory that will be cut short").subarray(0, 20);
  const random = Uint8Array.from({ length: 64 }, (_, i) => (i * 151 + 7) % 256);

  it("Connect binary: truncated and random protobuf", async () => {
    for (const body of [truncated, random]) {
      const answer = await post(WRITE, { "content-type": "application/proto" }, body);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({ code: "invalid_argument" });
      expect(answer.body).toContain("MALFORMED_REQUEST");
    }
    expect(await storedCount()).toBe(0);
  });

  it("gRPC and gRPC-Web: truncated protobuf inside a well-formed envelope", async () => {
    const grpc = await grpcCall(WRITE, envelope(truncated));
    expect(grpc.status).toBe("3");
    expect(grpc.message).toContain("engram.v1.WriteMemoryRequest");
    expect(await grpcWebCall(WRITE, envelope(truncated))).toBe("3");
    expect(await storedCount()).toBe(0);
  });

  it("gRPC: an envelope shorter than its header promises", async () => {
    const short = envelope(writeRequest("short")).subarray(0, 12);
    expect((await grpcCall(WRITE, short)).status).toBe("3");
  });

  it("corrupt gzip and brotli bodies (Connect content-encoding, gRPC compressed envelope)", async () => {
    const corrupt = gzipSync(Buffer.from(JSON.stringify({ memory: { content: "x" } }))).subarray(0, 15);
    for (const encoding of ["gzip", "br"]) {
      const answer = await post(WRITE, { "content-type": "application/json", "content-encoding": encoding }, corrupt);
      expect(answer.status, encoding).toBe(400);
      expect(JSON.parse(answer.body), encoding).toMatchObject({ code: "invalid_argument" });
    }
    expect((await grpcCall(WRITE, envelope(corrupt, 1), { "grpc-encoding": "gzip" })).status).toBe("3");
  });

  it("Connect JSON: invalid UTF-8 is refused rather than stored as U+FFFD", async () => {
    const json = Buffer.concat([
      Buffer.from('{"memory":{"subjectType":"contact","subjectId":"bodies","kind":"note","content":"caf'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}}'),
    ]);
    const answer = await post(WRITE, { "content-type": "application/json" }, json);
    expect(answer.status).toBe(400);
    expect(answer.body).toContain("UTF-8");
    expect(await storedCount()).toBe(0);
  });

  it("REST: invalid UTF-8 is refused rather than stored as U+FFFD", async () => {
    const json = Buffer.concat([
      Buffer.from('{"subject_type":"contact","subject_id":"bodies","kind":"note","content":"caf'),
      Buffer.from([0xff]),
      Buffer.from('"}'),
    ]);
    const answer = await post("/v1/memory", { "content-type": "application/json" }, json);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({
      error: { details: expect.arrayContaining([expect.objectContaining({ reason: "INVALID_UTF8" })]) },
    });
    expect(await storedCount()).toBe(0);
  });

  it("a valid body still works after all of the above, on the same server", async () => {
    const body = toBinary(ListMemoriesRequestSchema, create(ListMemoriesRequestSchema, { pageSize: 1 }));
    expect((await post(LIST, { "content-type": "application/proto" }, body)).status).toBe(200);
    expect((await grpcCall(WRITE, envelope(writeRequest("well formed")))).status).toBe("0");
    expect(await storedCount()).toBe(1);
  });
});

describe("JSON timestamps name a real date and time", () => {
  const body = (expireTime: string) =>
    Buffer.from(
      JSON.stringify({
        memory: { subjectType: "contact", subjectId: "bodies-time", kind: "note", content: expireTime, expireTime },
      }),
    );

  it("refuses days and hours that do not exist, which Date.parse would roll over (Connect JSON and REST)", async () => {
    for (const time of [
      "2030-02-30T00:00:00Z",
      "2031-02-29T12:00:00Z",
      "2030-04-31T00:00:00Z",
      "2030-01-01T24:00:00Z",
    ]) {
      const connect = await post(WRITE, { "content-type": "application/json" }, body(time));
      expect(connect.status, time).toBe(400);
      expect(connect.body, time).toContain("TIMESTAMP_INVALID");
      const rest = await post(
        "/v1/memory",
        { "content-type": "application/json" },
        Buffer.from(
          JSON.stringify({
            subject_type: "contact",
            subject_id: "bodies-time",
            kind: "note",
            content: time,
            expires_at: time,
          }),
        ),
      );
      expect(rest.status, time).toBe(400);
      expect(JSON.parse(rest.body), time).toMatchObject({
        error: { details: expect.arrayContaining([expect.objectContaining({ reason: "TIMESTAMP_INVALID" })]) },
      });
    }
    const listed = await memoryClient(server.baseUrl, server.adminKey).listMemories({
      filter: { subjectType: "contact", subjectId: "bodies-time" },
    });
    expect(listed.memories).toHaveLength(0);
  });

  it("accepts a leap day and the last second of a month", async () => {
    for (const time of ["2032-02-29T00:00:00Z", "2030-01-31T23:59:59.999Z"]) {
      const answer = await post(WRITE, { "content-type": "application/json" }, body(time));
      expect(answer.status, time).toBe(200);
      expect(JSON.parse(answer.body)).toMatchObject({ memory: { expireTime: time.replace(".999Z", ".999Z") } });
    }
  });
});

describe("requests connect-node cannot read", () => {
  it("an HTTP/1.0 request without a Host header gets 400, and the server goes on", async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(server.port, "127.0.0.1", () =>
        socket.end(`POST ${LIST} HTTP/1.0\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}`),
      );
      const chunks: Buffer[] = [];
      socket.on("data", (c: Buffer) => chunks.push(c));
      socket.on("end", () => resolve(Buffer.concat(chunks).toString("latin1")));
      socket.on("error", reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.[01] 400 /);
    expect(await storedCount()).toBeGreaterThanOrEqual(0);
  });
});

describe("error details in JSON", () => {
  it("a non-atomic batch with a failing item answers 200 over Connect JSON, with the item's ErrorInfo", async () => {
    // The third item reuses the second's request_id for another request: it alone fails.
    const items = {
      requests: [
        { memory: { subjectType: "contact", subjectId: "batch-json", kind: "note", content: "good" } },
        {
          memory: { subjectType: "contact", subjectId: "batch-json", kind: "note", content: "owned" },
          requestId: "r1",
        },
        {
          memory: { subjectType: "contact", subjectId: "batch-json", kind: "note", content: "different words" },
          requestId: "r1",
        },
      ],
    };
    const mixed = await post(
      "/engram.v1.MemoryService/BatchWriteMemories",
      { "content-type": "application/json" },
      Buffer.from(JSON.stringify(items)),
    );
    expect(mixed.status).toBe(200);
    const results = (JSON.parse(mixed.body) as { results: Record<string, unknown>[] }).results;
    expect(results[0]).toHaveProperty("response");
    expect(results[2]).toMatchObject({
      error: {
        details: expect.arrayContaining([
          expect.objectContaining({ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "REQUEST_ID_REUSED" }),
        ]),
      },
    });
  });
});

describe("failed authentications are throttled per client address", () => {
  let strict: TestServer;
  beforeAll(async () => {
    strict = await startTestServer({ authFailuresPerMinute: 5 });
  });
  afterAll(async () => {
    await strict?.close();
  });

  const list = (authorization: string) =>
    fetch(`${strict.baseUrl}${LIST}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization },
      body: "{}",
    });

  it("refuses an address after too many failures, with retry information, before looking keys up", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await list(`Bearer wrong-${i}`)).status);
    // Five failures are allowed (this server's limit), the sixth still counts, then the address waits.
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429]);
    // Even a valid key from that address waits now.
    const throttled = await list(`Bearer ${strict.adminKey}`);
    expect(throttled.status).toBe(429);
    const body = await throttled.text();
    expect(body).toContain("TOO_MANY_FAILED_AUTHENTICATIONS");
    expect(body).toContain("google.rpc.RetryInfo");
  });
});
