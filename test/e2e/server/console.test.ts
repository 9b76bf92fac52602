/**
 * The web console's files, served by the API server itself at / with a strict CSP; nothing
 * outside gen/console is reachable through it.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../support/engram-process.js";
import { startTestServer, type TestServer } from "../../support/server.js";

const CONSOLE_DIR = join(repoRoot, "gen/console");

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe("the web console", () => {
  it("is served at / as the built index.html, under a content security policy", async () => {
    const reply = await fetch(`${server.baseUrl}/`);
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const csp = reply.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(reply.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await reply.text()).toBe(await readFile(join(CONSOLE_DIR, "index.html"), "utf8"));
  });

  it("serves every built file at its name, and answers a repeat with 304 Not Modified", async () => {
    for (const name of await readdir(CONSOLE_DIR)) {
      const reply = await fetch(`${server.baseUrl}/${name}`);
      expect(reply.status, name).toBe(200);
      // Buffer.equals rather than a deep equality, which compares a bundle byte by byte.
      expect(Buffer.from(await reply.arrayBuffer()).equals(await readFile(join(CONSOLE_DIR, name))), name).toBe(true);
      const etag = reply.headers.get("etag") ?? "";
      expect(etag).not.toBe("");
      const again = await fetch(`${server.baseUrl}/${name}`, { headers: { "if-none-match": etag } });
      expect(again.status, name).toBe(304);
    }
    const head = await fetch(`${server.baseUrl}/`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("serves nothing else: other paths, escapes and other methods reach the API's 404s", async () => {
    for (const path of ["/package.json", "/..%2Fpackage.json", "/gen/console/index.html", "/src/main.ts"]) {
      const reply = await fetch(`${server.baseUrl}${path}`);
      expect(reply.status, path).toBe(404);
    }
    const post = await fetch(`${server.baseUrl}/`, { method: "POST", body: "{}" });
    expect(post.status).not.toBe(200);
    expect(post.headers.get("content-security-policy")).toBeNull();
  });
});
