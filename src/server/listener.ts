import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { Duplex } from "node:stream";
import type { RequestHandler } from "../api/request-handler.js";

export interface ListenOptions {
  host: string;
  port: number;
  /** PEM certificate and key: serve TLS with ALPN (h2 and http/1.1) instead of cleartext. */
  tls?: { cert: string; key: string };
  /** How long a client may take; CONNECTION_TIMEOUTS unless given. */
  timeouts?: ConnectionTimeouts;
}

/**
 * How long a client may keep a connection without progress. Each bound is on what the client
 * sends, never on how long the server takes to answer: a search still computing, or streaming
 * its results, keeps its connection however long it runs.
 */
export interface ConnectionTimeouts {
  /**
   * From a new connection (or the end of the previous request on it) to a request's complete
   * headers: the first bytes that tell HTTP/1.1 from h2c, the TLS handshake, the header block.
   */
  headersMs: number;
  /** From the start of a request to its last body byte. */
  requestMs: number;
  /** A connection with no request in flight: HTTP/1.1 keep-alive, an HTTP/2 session without streams. */
  idleMs: number;
}

/**
 * Whatever a client does, an idle or slow connection is closed within 30 s (each bound plus at
 * most a second of Node's sweep). Headers come in one round trip from any real client. The
 * largest valid body (about 26 MB) takes 25 s only below about 1 MB/s, slower than any link an
 * agent's server runs on. Twenty idle seconds outlast the gap between an agent's calls in a
 * burst, and clients reconnect when they come back later.
 */
export const CONNECTION_TIMEOUTS: ConnectionTimeouts = { headersMs: 10_000, requestMs: 25_000, idleMs: 20_000 };

export interface Listener {
  port: number;
  /** Stops accepting, lets in-flight requests finish (up to graceMs), then drops what is left. */
  close(graceMs: number): Promise<void>;
}

// Every HTTP/2 connection opens with this preface (RFC 9113 section 3.4); no HTTP/1.1 method starts with "PRI".
const H2_PREFACE_START = Buffer.from("PRI", "latin1");

/**
 * Node enforces the HTTP/1.1 header and request timeouts by sweeping its connections on an
 * interval (30 s by default, which alone would let a slow client stay a minute): sweep often
 * enough that a timeout is late by a small part of itself.
 */
function sweepIntervalMs(timeouts: ConnectionTimeouts): number {
  return Math.ceil(Math.min(1_000, timeouts.headersMs / 4, timeouts.requestMs / 4));
}

/**
 * Serves HTTP/1.1 and HTTP/2 on one port. Node's cleartext http2 server ignores allowHTTP1,
 * so each cleartext connection is routed by its first bytes to an HTTP/1.1 or an h2c server
 * sharing one handler. With TLS, ALPN chooses.
 */
export async function listen(handler: RequestHandler, options: ListenOptions): Promise<Listener> {
  const timeouts = options.timeouts ?? CONNECTION_TIMEOUTS;
  const h1Timeouts = {
    headersTimeout: timeouts.headersMs,
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.idleMs,
    connectionsCheckingInterval: sweepIntervalMs(timeouts),
  };
  const sockets = new Set<Duplex>();
  const track = (socket: Duplex) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };
  let entry: net.Server;
  const sessions = new Set<http2.Http2Session>();
  let h1: http.Server | undefined;
  if (options.tls) {
    const secure = http2.createSecureServer(
      { ...options.tls, allowHTTP1: true, noDelay: true, handshakeTimeout: timeouts.headersMs },
      handler,
    );
    // The secure server's HTTP/1.1 fallback takes these as properties, not constructor options;
    // without keepAliveTimeout an idle HTTP/1.1 connection over TLS would never be closed.
    Object.assign(secure, h1Timeouts);
    secure.on("secureConnection", track);
    secure.on("session", (s) => watchSession(s, sessions, timeouts));
    entry = secure;
  } else {
    h1 = http.createServer(h1Timeouts, handler);
    // An http.Server starts tracking its connections (which the header and request timeouts and
    // closeIdleConnections work on) when it starts listening; this one never listens, it is
    // handed its sockets.
    h1.emit("listening");
    const h2 = http2.createServer(handler);
    h2.on("session", (s) => watchSession(s, sessions, timeouts));
    const h1Server = h1;
    // Sockets handed over by emit("connection") skip the http server's own noDelay default:
    // without it, the second batch of a streamed response waits on the client's delayed ACK.
    entry = net.createServer({ noDelay: true }, (socket) => {
      track(socket);
      routeByPreface(socket, timeouts.headersMs, (isH2) => (isH2 ? h2 : h1Server).emit("connection", socket));
    });
  }
  await new Promise<void>((resolve, reject) => {
    entry.once("error", reject);
    entry.listen(options.port, options.host, () => {
      entry.off("error", reject);
      resolve();
    });
  });
  const address = entry.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : options.port,
    async close(graceMs) {
      const closed = new Promise<void>((resolve) => entry.close(() => resolve()));
      for (const session of sessions) session.close();
      // Stops its connection sweep too, and closes the idle connections.
      h1?.close();
      const timer = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      const drained = async () => {
        while (sockets.size > 0) {
          h1?.closeIdleConnections();
          await new Promise((r) => setTimeout(r, 25));
        }
      };
      await Promise.all([closed, drained()]);
      clearTimeout(timer);
    },
  };
}

function routeByPreface(socket: net.Socket, timeoutMs: number, route: (isH2: boolean) => void): void {
  let head = Buffer.alloc(0);
  // Neither server watches the socket until it is routed.
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  socket.once("close", () => clearTimeout(timer));
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const n = Math.min(head.length, H2_PREFACE_START.length);
    const isH2 = head.subarray(0, n).equals(H2_PREFACE_START.subarray(0, n));
    if (isH2 && head.length < H2_PREFACE_START.length) return;
    clearTimeout(timer);
    socket.off("data", onData);
    if (isH2) {
      // The http2 session reads bytes already buffered on the socket before consuming it.
      socket.pause();
      socket.unshift(head);
      route(true);
    } else {
      // The HTTP/1 parser reads the socket's handle directly and would never see an
      // unshifted buffer: hand it the first bytes as the data event it missed.
      route(false);
      socket.emit("data", head);
    }
  };
  socket.on("data", onData);
  socket.on("error", () => socket.destroy());
}

/**
 * Closes a session that has had no stream for idleMs, and resets a stream whose request has not
 * arrived whole within requestMs. Node's own session timeout counts any frame as activity, so a
 * client sending a ping now and then would hold a session open forever, and a search computing
 * its first result would lose its connection.
 */
function watchSession(
  session: http2.Http2Session,
  sessions: Set<http2.Http2Session>,
  { headersMs, requestMs, idleMs }: ConnectionTimeouts,
): void {
  sessions.add(session);
  let open = 0;
  // Until its first stream the session is a client that has yet to send its headers.
  let idle = setTimeout(() => session.close(), Math.min(headersMs, idleMs));
  session.on("stream", (stream: http2.ServerHttp2Stream, _headers, flags: number) => {
    open += 1;
    clearTimeout(idle);
    const receiving =
      flags & http2.constants.NGHTTP2_FLAG_END_STREAM
        ? undefined
        : setTimeout(() => stream.close(http2.constants.NGHTTP2_CANCEL), requestMs);
    stream.once("end", () => clearTimeout(receiving));
    stream.once("close", () => {
      clearTimeout(receiving);
      open -= 1;
      if (open === 0 && !session.closed) idle = setTimeout(() => session.close(), idleMs);
    });
  });
  session.once("close", () => {
    clearTimeout(idle);
    sessions.delete(session);
  });
}
