import { spawn } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { repoRoot } from "../support/engram-process.js";
import { startTestServer, type TestServer } from "../support/server.js";

/** Compiling grpc-go from a cold build cache alone takes minutes. */
const CLIENT_TIMEOUT_MS = 15 * 60_000;

/**
 * Starts a server (keyword search, no embedder) and runs another language's smoke test against it
 * over real gRPC, handing it the address as ENGRAM_ADDR (host:port) and a fresh key as
 * ENGRAM_API_KEY. The test passes when the command exits 0; otherwise its output is the message.
 */
export function clientSmokeTest(name: string, command: string, args: string[], cwd = repoRoot): void {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it(
    name,
    async ({ signal }) => {
      // Bound to an agent, as agents use keys: the memories it writes are its own to delete.
      const key = await server.createKey({ scopes: ["memory:read", "memory:write"], agentId: "smoke-agent" });
      const child = spawn(command, args, {
        cwd,
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
      expect(code, `${command} ${args.join(" ")} failed:\n${output}`).toBe(0);
    },
    CLIENT_TIMEOUT_MS,
  );
}
