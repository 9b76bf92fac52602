import type http from "node:http";
import http2 from "node:http2";
import { MAX_REQUEST_BYTES } from "./limits.js";

type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;

/** How much of a refused body is read and dropped before answering, at the most. */
const DRAIN_MAX_BYTES = MAX_REQUEST_BYTES;
const DRAIN_MAX_MS = 5_000;

/**
 * Before answering a request whose body was not read to the end (refused part way, or before it
 * was read at all): over HTTP/1.1, reads and drops the rest, within bounds. A server that closes
 * a connection while the client is still sending makes the kernel reset it, and the client never
 * sees the answer; that happens whenever the client sent `Connection: close` (or spoke
 * HTTP/1.0), so then the answer waits for the drain. A connection that stays open is not
 * closed after the answer, so the answer goes at once and the rest is dropped as it arrives,
 * rather than keeping a client that announced a body it has not sent waiting DRAIN_MAX_MS for its
 * refusal. HTTP/2 needs nothing here: see resetUnreadStream.
 */
export function drainUnreadBody(req: NodeRequest): Promise<void> {
  if (req.readableEnded || req.destroyed || "stream" in req) return Promise.resolve();
  const drained = drain(req);
  return closesAfterAnswer(req) ? drained : Promise.resolve();
}

/**
 * Whether Node closes the connection once the answer is written: the client asked it to, or spoke
 * HTTP/1.0 (even one asking for keep-alive is treated so: waiting costs it only time). Node also
 * closes for reasons the server does not configure today (maxRequestsPerSocket, a final answer
 * before 100 Continue); setting either would have to be added here.
 */
function closesAfterAnswer(req: http.IncomingMessage): boolean {
  return req.httpVersion !== "1.1" || /\bclose\b/i.test(req.headers.connection ?? "");
}

function drain(req: http.IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    let read = 0;
    const done = () => {
      clearTimeout(timer);
      req.off("data", onData).off("end", done).off("close", done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read > DRAIN_MAX_BYTES) done();
    };
    const timer = setTimeout(done, DRAIN_MAX_MS);
    req.on("data", onData).once("end", done).once("close", done);
    req.resume();
  });
}

/**
 * After answering early over HTTP/2, tells the client to stop sending the rest of its request
 * with a NO_ERROR reset (RFC 9113, section 8.1); the connection and its other streams go on.
 */
export function resetUnreadStream(req: NodeRequest): void {
  if ("stream" in req && !req.readableEnded) req.stream.close(http2.constants.NGHTTP2_NO_ERROR);
}
