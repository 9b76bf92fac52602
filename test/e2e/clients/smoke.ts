import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../support/server.js";

/** Installing a package and compiling grpc-go from a cold build cache each take minutes. */
const CLIENT_TIMEOUT_MS = 15 * 60_000;

/** How to run a smoke test once its package is installed. */
export interface SmokeRun {
  command: string;
  args: string[];
  cwd: string;
}

/**
 * Installs a client package into a scratch project outside the repository (`install` gets its
 * directory and says how to run the smoke test there), starts a server (keyword search, no
 * embedder) and runs the smoke test against it, handing it the address as ENGRAM_ADDR
 * (host:port) and a fresh key as ENGRAM_API_KEY. It passes when the command exits 0;
 * otherwise its output is the message.
 */
export function clientSmokeTest(name: string, install: (scratch: string) => Promise<SmokeRun>): void {
  let server: TestServer;
  let scratch: string;
  let smoke: SmokeRun;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), "engram-client-"));
    [server, smoke] = await Promise.all([startTestServer(), install(scratch)]);
  }, CLIENT_TIMEOUT_MS);
  afterAll(async () => {
    await server?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it(
    name,
    async ({ signal }) => {
      // Bound to an agent, as agents use keys: the memories it writes are its own to delete.
      const key = await server.createKey({ scopes: ["memory:read", "memory:write"], agentId: "smoke-agent" });
      const child = spawn(smoke.command, smoke.args, {
        cwd: smoke.cwd,
        env: { ...process.env, ENGRAM_ADDR: `127.0.0.1:${server.port}`, ENGRAM_API_KEY: key },
        stdio: ["ignore", "pipe", "pipe"],
        signal,
      });
      let output = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
      const code = await new Promise<number | null>((resolve, reject) => {
        child.once("error", reject);
        child.once("close", resolve);
      });
      expect(code, `${smoke.command} ${smoke.args.join(" ")} failed:\n${output}`).toBe(0);
    },
    CLIENT_TIMEOUT_MS,
  );
}
