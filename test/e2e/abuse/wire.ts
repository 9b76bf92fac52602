import http from "node:http";
import http2 from "node:http2";
import net from "node:net";

/** What the client saw: a response, or the reason there was none (reset, timeout). */
export type Exchange =
  | {
      kind: "response";
      status: number;
      headers: Record<string, string>;
      body: Buffer;
      trailers: Record<string, string>;
    }
  | { kind: "fault"; fault: string };

export interface RawRequest {
  method: string;
  /** Path and query, sent byte for byte (so it may carry what URL parsers would clean up). */
  path: string;
  headers: Record<string, string>;
  /** A buffer, or chunks written with backpressure (oversize bodies are never held whole). */
  body?: Buffer | (() => Iterable<Buffer>);
}

const TIMEOUT_MS = 30_000;
/** Enough of any answer to read its status and error; a runaway body is not kept. */
const MAX_KEPT_BYTES = 4 * 1024 * 1024;

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** One HTTP/1.1 exchange against 127.0.0.1. An answer that arrives before the body is fully sent counts. */
export function h1(port: number, request: RawRequest): Promise<Exchange> {
  if (typeof request.body === "function") return streamedH1(port, request, request.body);
  return new Promise((resolve) => {
    let settled = false;
    let responded = false;
    const settle = (exchange: Exchange) => {
      if (!settled) resolve(exchange);
      settled = true;
    };
    const req = http.request({
      host: "127.0.0.1",
      port,
      method: request.method,
      path: request.path,
      headers: request.headers,
      agent,
      timeout: TIMEOUT_MS,
    });
    req.on("timeout", () => {
      settle({ kind: "fault", fault: "timeout" });
      req.destroy();
    });
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (!responded) settle({ kind: "fault", fault: err.code ?? err.message });
    });
    req.on("response", (res) => {
      responded = true;
      const chunks = new Collector();
      res.on("data", (chunk: Buffer) => chunks.add(chunk));
      res.on("error", () => undefined);
      const done = () =>
        settle({
          kind: "response",
          status: res.statusCode ?? 0,
          headers: flatten(res.headers),
          body: chunks.bytes(),
          trailers: flatten(res.trailers),
        });
      res.on("end", done);
      // The server may drop the connection after answering an oversize request.
      res.on("close", done);
    });
    void writeBody(req, request.body, () => responded || req.destroyed).then(() => req.end());
  });
}

/**
 * HTTP/1.1 over a bare socket, for bodies the server should refuse part way: Node's client
 * drops an early answer when the server then stops the upload (EPIPE), so the answer is read
 * from the raw bytes instead, and sending stops as soon as it starts.
 */
function streamedH1(port: number, request: RawRequest, body: () => Iterable<Buffer>): Promise<Exchange> {
  return new Promise((resolve) => {
    const received: Buffer[] = [];
    let answered = false;
    let settled = false;
    const socket = net.connect(port, "127.0.0.1");
    const settle = () => {
      if (settled) return;
      settled = true;
      socket.destroy();
      const parsed = parseResponse(Buffer.concat(received));
      resolve(
        parsed ?? { kind: "fault", fault: received.length === 0 ? "closed without an answer" : "unparsable answer" },
      );
    };
    socket.setTimeout(TIMEOUT_MS, settle);
    socket.on("error", () => undefined);
    socket.on("close", settle);
    socket.on("data", (chunk: Buffer) => {
      received.push(chunk);
      answered = true;
      if (parseResponse(Buffer.concat(received))?.kind === "response") settle();
    });
    const head = Object.entries({
      host: "127.0.0.1",
      connection: "close",
      "transfer-encoding": "chunked",
      ...request.headers,
    })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("");
    socket.write(`${request.method} ${request.path} HTTP/1.1\r\n${head}\r\n`);
    void (async () => {
      for (const chunk of body()) {
        if (answered || socket.destroyed) return;
        // A zero-length chunk would end the body early: what follows would be a malformed next request.
        if (chunk.length === 0) continue;
        const ok = socket.write(
          Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]),
        );
        if (!ok) await new Promise((resolve) => socket.once("drain", resolve).once("close", resolve));
      }
      if (!socket.destroyed) socket.write("0\r\n\r\n");
    })();
  });
}

/** A complete HTTP/1.1 response in `bytes`, or undefined while it is not all there. */
function parseResponse(bytes: Buffer): Exchange | undefined {
  const end = bytes.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const [statusLine, ...lines] = bytes.subarray(0, end).toString("latin1").split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let rest = bytes.subarray(end + 4);
  let body: Buffer;
  if (headers["transfer-encoding"]?.includes("chunked")) {
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = rest.indexOf("\r\n");
      if (lineEnd < 0) return undefined;
      const size = parseInt(rest.subarray(0, lineEnd).toString("latin1"), 16);
      if (size === 0) break;
      if (rest.length < lineEnd + 2 + size) return undefined;
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      rest = rest.subarray(lineEnd + 2 + size + 2);
    }
    body = Buffer.concat(parts);
  } else {
    const length = Number(headers["content-length"] ?? 0);
    if (rest.length < length) return undefined;
    body = rest.subarray(0, length);
  }
  return { kind: "response", status: Number(statusLine?.split(" ")[1]), headers, body, trailers: {} };
}

let session: http2.ClientHttp2Session | undefined;

function h2Session(port: number): http2.ClientHttp2Session {
  if (session === undefined || session.closed || session.destroyed) {
    session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", () => undefined);
  }
  return session;
}

export function closeSessions(): void {
  session?.close();
  agent.destroy();
}

/** One HTTP/2 (h2c) exchange, for gRPC: trailers are where its status lives. */
export function h2(port: number, request: RawRequest): Promise<Exchange> {
  return new Promise((resolve) => {
    let settled = false;
    let headers: Record<string, string> | undefined;
    let trailers: Record<string, string> = {};
    const chunks = new Collector();
    const settle = (exchange: Exchange) => {
      if (!settled) resolve(exchange);
      settled = true;
    };
    const stream = h2Session(port).request({
      ":method": request.method,
      ":path": request.path,
      ...request.headers,
    });
    stream.setTimeout(TIMEOUT_MS, () => {
      settle({ kind: "fault", fault: "timeout" });
      stream.close(http2.constants.NGHTTP2_CANCEL);
    });
    stream.on("response", (h) => (headers = flatten(h)));
    stream.on("trailers", (t) => (trailers = flatten(t)));
    stream.on("data", (chunk: Buffer) => chunks.add(chunk));
    stream.on("error", () => undefined);
    const finish = () => {
      if (headers === undefined) {
        settle({ kind: "fault", fault: `stream closed without a response (rst ${stream.rstCode})` });
        return;
      }
      settle({ kind: "response", status: Number(headers[":status"]), headers, body: chunks.bytes(), trailers });
    };
    // The answer is complete once the server ends its side, even while ours is still open
    // (a server refusing an oversize body stops reading it): stop sending then.
    stream.on("end", () => {
      finish();
      if (!stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL);
    });
    stream.on("close", finish);
    void writeBody(stream, request.body, () => headers !== undefined || stream.destroyed).then(() => {
      if (!stream.destroyed) stream.end();
    });
  });
}

async function writeBody(
  sink: http.ClientRequest | http2.ClientHttp2Stream,
  body: RawRequest["body"],
  stop: () => boolean,
): Promise<void> {
  if (body === undefined) return;
  if (Buffer.isBuffer(body)) {
    sink.write(body);
    return;
  }
  for (const chunk of body()) {
    if (stop()) return;
    if (!sink.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          sink.off("drain", done);
          sink.off("close", done);
          resolve();
        };
        sink.on("drain", done);
        sink.on("close", done);
      });
    }
  }
}

class Collector {
  private chunks: Buffer[] = [];
  private size = 0;
  add(chunk: Buffer) {
    if (this.size >= MAX_KEPT_BYTES) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function flatten(headers: http.IncomingHttpHeaders | http2.IncomingHttpHeaders | NodeJS.Dict<string>) {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : String(value);
  }
  return out;
}
