import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { extname } from "node:path";
import type http from "node:http";
import type http2 from "node:http2";

/** A file of the console, ready to send. */
interface ConsoleFile {
  body: Buffer;
  contentType: string;
  etag: string;
}

/** The web console's files by request path ("/" is index.html). */
export type ConsoleSite = ReadonlyMap<string, ConsoleFile>;

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/**
 * Only the console's own files run and load: no inline script, no other origin, no framing.
 * The console calls the API on this same origin, so connect-src 'self' is all it needs.
 */
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    "font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** The committed console build (`npm run build:console` writes gen/console), read once at start-up. */
export async function readConsoleSite(dir: URL): Promise<ConsoleSite> {
  const site = new Map<string, ConsoleFile>();
  for (const name of await readdir(dir)) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (contentType === undefined) continue;
    const body = await readFile(new URL(name, dir));
    const file = { body, contentType, etag: `"${createHash("sha256").update(body).digest("base64url")}"` };
    site.set(`/${name}`, file);
    if (name === "index.html") site.set("/", file);
  }
  return site;
}

/**
 * Answers a GET or HEAD for one of the console's files; false (nothing sent) for any other
 * request. Paths are looked up as given, never joined to a directory, so none escapes it.
 */
export function serveConsole(
  site: ConsoleSite,
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
  path: string,
): boolean {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  const file = site.get(path);
  if (file === undefined) return false;
  const headers = { ...SECURITY_HEADERS, etag: file.etag, "cache-control": "no-cache" };
  const response = res as http.ServerResponse;
  if (req.headers["if-none-match"] === file.etag) {
    response.writeHead(304, headers).end();
    return true;
  }
  response.writeHead(200, { ...headers, "content-type": file.contentType, "content-length": file.body.length });
  response.end(req.method === "HEAD" ? undefined : file.body);
  return true;
}
