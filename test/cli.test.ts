import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryClient } from "./support/clients.js";
import { startTestServer, type TestServer } from "./support/server.js";

const run = promisify(execFile);

let server: TestServer;
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "engram-cli-"));
  server = await startTestServer({ dataDir });
});
afterAll(async () => {
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function engram(...args: string[]) {
  return run(process.execPath, ["bin/engram.js", ...args], { env: { ...process.env, ENGRAM_DATA_DIR: dataDir } });
}

describe("engram keys create", () => {
  it("creates an agent-bound key in any workspace that the running server accepts", async () => {
    // PGlite allows one process per data directory: stop the server, create the key, restart.
    const usesPglite = !process.env.DATABASE_URL;
    if (usesPglite) await server.close();
    const { stdout } = await engram(
      "keys",
      "create",
      "--workspace",
      "acme",
      "--agent",
      "bot",
      "--scopes",
      "memory:read",
    );
    if (usesPglite) server = await startTestServer({ dataDir });
    const secret = stdout.trim();
    expect(secret).toMatch(/^egm_/);

    const client = memoryClient(server.baseUrl, secret);
    await expect(client.listMemories({})).resolves.toMatchObject({ memories: [] });
    const denied = await client
      .writeMemory({ memory: { subjectType: "s", kind: "k", content: "c" } })
      .catch((e: unknown) => ConnectError.from(e));
    expect(denied).toBeInstanceOf(ConnectError);
    expect((denied as ConnectError).code).toBe(Code.PermissionDenied);
  });

  it("rejects an unknown scope", async () => {
    await expect(engram("keys", "create", "--workspace", "acme", "--scopes", "root")).rejects.toMatchObject({
      stderr: expect.stringContaining("Allowed choices are memory:read, memory:write, admin"),
    });
  });
});
