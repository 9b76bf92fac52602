import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryClient } from "../../support/clients.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import type { Api, Filter, NewMemory } from "./browser/page.js";
import { installTypeScriptPackage } from "./packages.js";

const CHROMIUM = "/usr/bin/chromium";

/** A static web server for the page: its own port, so an origin other than the API's. */
interface Site {
  origin: string;
  close(): Promise<void>;
}

async function serveSite(bundleDir: string): Promise<Site> {
  const html =
    '<!doctype html><meta charset="utf-8"><title>engram</title><script type="module" src="/page.js"></script>';
  const server = http.createServer((req, res) => {
    if (req.url === "/") return void res.writeHead(200, { "content-type": "text/html" }).end(html);
    if (req.url === "/page.js") {
      void readFile(join(bundleDir, "page.js")).then((js) =>
        res.writeHead(200, { "content-type": "text/javascript" }).end(js),
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

let bundleDir: string;
let allowedSite: Site;
let otherSite: Site;
let server: TestServer;
let key: string;
let browser: Browser;
beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup-chromium.sh`);
  // A web project outside the repository, with the packed client package and Connect-Web installed.
  bundleDir = await mkdtemp(join(tmpdir(), "engram-browser-"));
  await installTypeScriptPackage(bundleDir, ["@connectrpc/connect-web"]);
  await copyFile(fileURLToPath(new URL("./browser/page.ts", import.meta.url)), join(bundleDir, "page.ts"));
  await build({
    absWorkingDir: bundleDir,
    entryPoints: ["page.ts"],
    outfile: join(bundleDir, "page.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    logLevel: "error",
  });
  allowedSite = await serveSite(bundleDir);
  otherSite = await serveSite(bundleDir);
  server = await startTestServer({ corsOrigins: [allowedSite.origin] });
  // Bound to an agent, as agents use keys: the memories it writes are its own to change and delete.
  key = await server.createKey({ agentId: "browser-agent" });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  // npm install from a cold cache takes a while.
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await Promise.all([server?.close(), allowedSite?.close(), otherSite?.close()]);
  if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
});

interface OpenPage {
  page: Page;
  /** Content types of the page's calls to the API, in order. */
  apiCalls: string[];
  /** Everything the page logged, the browser's own network errors included. */
  console: string[];
}

/** The page in a fresh browser context (no shared cache or preflight results), ready to call. */
async function openPage(site: Site): Promise<OpenPage> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const apiCalls: string[] = [];
  const console: string[] = [];
  page.on("request", (request) => {
    if (request.url().startsWith(server.baseUrl)) apiCalls.push(request.headers()["content-type"] ?? "");
  });
  page.on("console", (message) => console.push(message.text()));
  await page.goto(`${site.origin}/`);
  await page.waitForFunction(() => window.engram !== undefined);
  return { page, apiCalls, console };
}

const subject = () => ({ subjectType: "contact", subjectId: `browser-${randomUUID()}` });

/** A keyed write, then an update of the same key from the same page. */
async function writeTwice(page: Page, api: Api, memory: NewMemory, updatedContent: string) {
  const created = await page.evaluate((a) => window.engram.write(a.api, a.memory), { api, memory });
  expect(created).toMatchObject({ outcome: "CREATED", content: memory.content });
  expect(created.id).not.toBe("");
  const updated = await page.evaluate((a) => window.engram.write(a.api, a.memory), {
    api,
    memory: { ...memory, content: updatedContent },
  });
  expect(updated).toEqual({ id: created.id, outcome: "UPDATED", content: updatedContent });
  return created.id;
}

const list = (page: Page, api: Api, filter: Filter) =>
  page.evaluate((a) => window.engram.list(a.api, a.filter), { api, filter });

const search = (page: Page, api: Api, query: string, filter: Filter) =>
  page.evaluate((a) => window.engram.search(a.api, a.query, a.filter), { api, query, filter });

describe("a web app on another origin, with Connect-Web in Chromium", () => {
  it("writes, updates, lists, streams a search and deletes through the Connect transport", async () => {
    const { page, apiCalls } = await openPage(allowedSite);
    const api: Api = { baseUrl: server.baseUrl, key, protocol: "connect" };
    const about = subject();
    const memory = { ...about, kind: "preference", key: "channel", content: "Prefers email follow-ups" };
    const updatedContent = "Prefers phone calls on Thursday mornings";

    const id = await writeTwice(page, api, memory, updatedContent);

    const filter = { ...about, kinds: ["preference"] };
    expect(await list(page, api, filter)).toEqual([{ id, content: updatedContent }]);
    expect(await list(page, api, { ...about, kinds: ["other-kind"] })).toEqual([]);

    const results = await search(page, api, "phone calls thursday", about);
    expect(results).toEqual([{ id, content: updatedContent, rank: 1, mode: "KEYWORD" }]);

    expect(await page.evaluate((a) => window.engram.remove(a.api, a.id), { api, id })).toEqual({ id, deleted: true });
    expect(await list(page, api, filter)).toEqual([]);
    // An error's reason, from the google.rpc.ErrorInfo in its details.
    expect(await page.evaluate((a) => window.engram.readMissing(a), api)).toEqual({
      code: "NotFound",
      reasons: ["MEMORY_NOT_FOUND"],
    });

    // Unary calls in Connect's JSON encoding, the search as a Connect stream.
    expect(apiCalls).toEqual([
      ...Array<string>(4).fill("application/json"),
      "application/connect+json",
      ...Array<string>(3).fill("application/json"),
    ]);
    await page.context().close();
  });

  it("writes and reads through the gRPC-Web transport", async () => {
    const { page, apiCalls } = await openPage(allowedSite);
    const api: Api = { baseUrl: server.baseUrl, key, protocol: "grpc-web" };
    const about = subject();
    const memory = { ...about, kind: "preference", key: "channel", content: "Prefers email follow-ups" };
    const updatedContent = "Prefers phone calls on Thursday mornings";

    const id = await writeTwice(page, api, memory, updatedContent);
    expect(await list(page, api, { ...about, kinds: ["preference"] })).toEqual([{ id, content: updatedContent }]);
    expect(await search(page, api, "phone calls thursday", about)).toEqual([
      { id, content: updatedContent, rank: 1, mode: "KEYWORD" },
    ]);

    expect(apiCalls).toEqual(Array<string>(4).fill("application/grpc-web+proto"));
    await page.context().close();
  });

  it("is refused by the browser on an origin the server does not allow", async () => {
    const { page, apiCalls, console } = await openPage(otherSite);
    const about = subject();
    const memory = { ...about, kind: "preference", key: "channel", content: "Prefers email follow-ups" };

    for (const protocol of ["connect", "grpc-web"] as const) {
      const api: Api = { baseUrl: server.baseUrl, key, protocol };
      await expect(page.evaluate((a) => window.engram.write(a.api, a.memory), { api, memory })).rejects.toThrow(
        "Failed to fetch",
      );
    }
    expect(apiCalls).toHaveLength(2);
    expect(
      console.filter((line) => line.includes(`from origin '${otherSite.origin}' has been blocked by CORS policy`)),
    ).toHaveLength(2);

    // The failed preflight kept the writes from ever reaching the API.
    const { memories } = await memoryClient(server.baseUrl, key).listMemories({ filter: about });
    expect(memories).toEqual([]);
    await page.context().close();
  });
});
