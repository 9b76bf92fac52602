import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { Duplex } from "node:stream";

export type RequestHandler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

export interface ListenOptions {
  host: string;
  port: number;
  /** PEM certificate and key: serve TLS with ALPN (h2 and http/1.1) instead of cleartext. */
  tls?: { cert: string; key: string };
}

export interface Listener {
  port: number;
  /** Stops accepting, lets in-flight requests finish (up to graceMs), then drops what is left. */
  close(graceMs: number): Promise<void>;
}

// Every HTTP/2 connection opens with this preface (RFC 9113 section 3.4); no HTTP/1.1 method starts with "PRI".
const H2_PREFACE_START = Buffer.from("PRI", "latin1");

/**
 * Serves HTTP/1.1 and HTTP/2 on one port. Node's cleartext http2 server ignores allowHTTP1,
 * so each cleartext connection is routed by its first bytes to an HTTP/1.1 or an h2c server
 * sharing one handler. With TLS, ALPN chooses.
 */
export async function listen(handler: RequestHandler, options: ListenOptions): Promise<Listener> {
  const sockets = new Set<Duplex>();
  const track = (socket: Duplex) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };
  let entry: net.Server;
  const sessions = new Set<http2.Http2Session>();
  let h1: http.Server | undefined;
  if (options.tls) {
    const secure = http2.createSecureServer({ ...options.tls, allowHTTP1: true, noDelay: true }, handler);
    secure.on("secureConnection", track);
    secure.on("session", (s) => trackSession(sessions, s));
    entry = secure;
  } else {
    h1 = http.createServer(handler);
    const h2 = http2.createServer(handler);
    h2.on("session", (s) => trackSession(sessions, s));
    const h1Server = h1;
    // Sockets handed over by emit("connection") skip the http server's own noDelay default:
    // without it, the second batch of a streamed response waits on the client's delayed ACK.
    entry = net.createServer({ noDelay: true }, (socket) => {
      track(socket);
      routeByPreface(socket, (isH2) => (isH2 ? h2 : h1Server).emit("connection", socket));
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
      h1?.closeIdleConnections();
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

function routeByPreface(socket: net.Socket, route: (isH2: boolean) => void): void {
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const n = Math.min(head.length, H2_PREFACE_START.length);
    const isH2 = head.subarray(0, n).equals(H2_PREFACE_START.subarray(0, n));
    if (isH2 && head.length < H2_PREFACE_START.length) return;
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

function trackSession(sessions: Set<http2.Http2Session>, session: http2.Http2Session): void {
  sessions.add(session);
  session.once("close", () => sessions.delete(session));
}
