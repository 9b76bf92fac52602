/**
 * Connection timeouts: a client that is idle or slow loses its connection, on HTTP/1.1, h2c
 * and TLS, while a response the server is still computing or streaming keeps its own.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http2 from "node:http2";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Embedder } from "../../../src/embedding/embedder.js";
import { memoryClient, type Protocol } from "../../support/clients.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import { startTestServer, type TestServer } from "../../support/server.js";

/**
 * Short bounds, so that the test waits a second rather than the production half minute (whose
 * bound src/server/listener.test.ts checks): every stalled socket must be closed well within
 * CLOSED_WITHIN_MS of the longest of them.
 */
const TIMEOUTS = { headersMs: 300, requestMs: 600, idleMs: 400 };
const CLOSED_WITHIN_MS = 5_000;

type Closable = net.Socket | http2.ClientHttp2Session | http2.ClientHttp2Stream;

/**
 * True once `target` closes, false if it is still open after `ms`. A target the server closed
 * while the others were still being opened (under load that takes longer than its bound) has
 * already emitted "close", so it counts as closed.
 */
function closedWithin(target: Closable, ms: number): Promise<boolean> {
  if (target.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    target.once("close", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** A raw TCP connection that has sent `bytes` and then goes quiet. */
async function rawSocket(port: number, bytes: string | Buffer = ""): Promise<net.Socket> {
  const socket = net.connect({ host: "127.0.0.1", port });
  socket.on("error", () => {});
  await new Promise((resolve) => socket.once("connect", resolve));
  if (bytes.length > 0) socket.write(bytes);
  // Reading keeps the server's answer (a 408, a GOAWAY) from holding the socket open.
  socket.resume();
  return socket;
}

/** A TLS connection, handshake done with `alpn`, that has sent `bytes` and then goes quiet. */
async function tlsSocket(port: number, ca: string, alpn: string, bytes: string): Promise<tls.TLSSocket> {
  const socket = tls.connect({ host: "127.0.0.1", port, ca, servername: "localhost", ALPNProtocols: [alpn] });
  socket.on("error", () => {});
  await new Promise((resolve) => socket.once("secureConnect", resolve));
  expect(socket.alpnProtocol).toBe(alpn);
  if (bytes.length > 0) socket.write(bytes);
  socket.resume();
  return socket;
}

function h2Session(url: string, ca?: string): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(url, ca === undefined ? {} : { ca, servername: "localhost" });
  session.on("error", () => {});
  return new Promise((resolve) => session.once("connect", () => resolve(session)));
}

/** A POST whose body promises more than it sends: the request never completes. */
function stalledH2Post(session: http2.ClientHttp2Session, key: string): http2.ClientHttp2Stream {
  const stream = session.request(
    {
      ":method": "POST",
      ":path": "/engram.v1.MemoryService/WriteMemory",
      "content-type": "application/json",
      "content-length": "100",
      authorization: `Bearer ${key}`,
    },
    { endStream: false },
  );
  stream.on("error", () => {});
  stream.write('{"memory":');
  return stream;
}

const PARTIAL_H2_PREFACE = "PRI * HTTP/2.0\r\n";
const PARTIAL_HEADERS = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow:";
const stalledH1Post = (key: string) =>
  "POST /engram.v1.MemoryService/WriteMemory HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
  `Authorization: Bearer ${key}\r\nContent-Length: 100\r\n\r\n{"memory":`;

async function selfSignedCert(dir: string): Promise<{ cert: string; key: string }> {
  const [cert, key] = [join(dir, "cert.pem"), join(dir, "key.pem")];
  // Needs openssl on PATH (Debian: apt-get install openssl).
  await promisify(execFile)("openssl", [
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1"],
    ...["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", cert],
  ]);
  return { cert, key };
}

describe("with every timeout", () => {
  let server: TestServer;
  let tlsServer: TestServer;
  let certDir: string;
  let ca: string;

  beforeAll(async () => {
    certDir = await mkdtemp(join(tmpdir(), "engram-timeouts-"));
    const { cert, key } = await selfSignedCert(certDir);
    ca = await readFile(cert, "utf8");
    [server, tlsServer] = await Promise.all([
      startTestServer({}, { connectionTimeouts: TIMEOUTS }),
      startTestServer({ tlsCert: cert, tlsKey: key }, { connectionTimeouts: TIMEOUTS }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([server?.close(), tlsServer?.close()]);
    await rm(certDir, { recursive: true, force: true });
  });

  it(
    "every idle or slow socket is closed once its bound has passed",
    async () => {
      const { port, adminKey } = server;
      const cleartext: [string, Closable][] = [
        ["idle connection", await rawSocket(port)],
        ["first bytes of the h2 preface", await rawSocket(port, "PR")],
        ["partial h2 preface", await rawSocket(port, PARTIAL_H2_PREFACE)],
        ["partial HTTP/1.1 headers", await rawSocket(port, PARTIAL_HEADERS)],
        ["HTTP/1.1 body stalled short of its Content-Length", await rawSocket(port, stalledH1Post(adminKey))],
        ["idle h2c session", await h2Session(server.baseUrl)],
        ["h2c request body stalled", stalledH2Post(await h2Session(server.baseUrl), adminKey)],
      ];
      const tlsPort = tlsServer.port;
      const httpsUrl = `https://127.0.0.1:${tlsPort}`;
      const secure: [string, Closable][] = [
        ["TLS: no handshake", await rawSocket(tlsPort)],
        ["TLS: partial ClientHello", await rawSocket(tlsPort, Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]))],
        ["TLS http/1.1: partial headers", await tlsSocket(tlsPort, ca, "http/1.1", PARTIAL_HEADERS)],
        ["TLS http/1.1: stalled body", await tlsSocket(tlsPort, ca, "http/1.1", stalledH1Post(tlsServer.adminKey))],
        ["TLS h2: idle session", await h2Session(httpsUrl, ca)],
        ["TLS h2: request body stalled", stalledH2Post(await h2Session(httpsUrl, ca), tlsServer.adminKey)],
      ];
      const cases = [...cleartext, ...secure];
      const closed = await Promise.all(cases.map(([, target]) => closedWithin(target, CLOSED_WITHIN_MS)));
      const stillOpen = cases.filter((_, i) => !closed[i]).map(([name]) => name);
      for (const [, target] of cases) target.destroy();
      expect(stillOpen).toEqual([]);
    },
    CLOSED_WITHIN_MS + 15_000,
  );
});

/** Takes `delayMs` over every call: a search waits that long, in silence, for its query vector. */
class SlowEmbedder implements Embedder {
  readonly id = "test:slow-word-hash";
  readonly dimensions = 384;
  private readonly words = new WordHashEmbedder();
  constructor(private readonly delayMs: number) {}
  async ready(): Promise<void> {}
  async embed(texts: string[]): Promise<number[][]> {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return this.words.embed(texts);
  }
}

describe("with short timeouts", () => {
  // Every bound is far shorter than the silence before a search's first result and than its stream.
  const timeouts = { headersMs: 200, requestMs: 300, idleMs: 300 };
  let server: TestServer;
  const subjectId = `timeouts-${Date.now()}`;
  const resultCount = 12;

  beforeAll(async () => {
    server = await startTestServer({}, { embedder: new SlowEmbedder(900), connectionTimeouts: timeouts });
    // Large memories, so that a slow reader holds the server back through flow control.
    const requests = Array.from({ length: resultCount }, (_, i) => ({
      memory: { subjectType: "contact", subjectId, kind: "note", content: `quarterly renewal ${i} `.repeat(2_000) },
    }));
    await memoryClient(server.baseUrl, server.adminKey).batchWriteMemories({ requests, atomic: true });
  });
  afterAll(async () => {
    await server?.close();
  });

  it.each<Protocol>(["connect-h1", "connect-h2", "grpc", "grpc-web"])(
    "%s: a search that computes in silence, then streams to a slow reader, is not cut",
    async (protocol) => {
      const client = memoryClient(server.baseUrl, server.adminKey, protocol);
      let received = 0;
      for await (const result of client.searchMemories({
        query: "quarterly renewal",
        filter: { subjectId },
        topK: 20,
      })) {
        expect(result.memory?.subjectId).toBe(subjectId);
        received += 1;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(received).toBe(resultCount);
    },
  );

  it("an idle HTTP/1.1 keep-alive connection and an idle h2c session are closed", async () => {
    const socket = await rawSocket(server.port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const session = await h2Session(server.baseUrl);
    const answered = await new Promise<number>((resolve) => {
      const stream = session.request({ ":path": "/healthz" });
      stream.on("response", (headers) => resolve(Number(headers[":status"])));
      stream.resume();
    });
    expect(answered).toBe(200);
    expect(await Promise.all([closedWithin(socket, 10_000), closedWithin(session, 10_000)])).toEqual([true, true]);
  });
});
