import { readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DataDirLockedError, LOCK_FILE } from "../../../src/db/data-dir-lock.js";
import { openDatabase } from "../../../src/db/orm.js";
import { SCHEMA } from "../../../src/schema.js";
import { memoryClient } from "../../support/clients.js";
import { keyFor, parseLogLine, runEngram, spawnEngram, type EngramProcess } from "../../support/engram-process.js";
import { writeNote } from "../../support/factories/memory.js";
import { newDataDir } from "../../support/templates.js";

/**
 * Issue 9: two processes on one embedded data directory each saw only their own rows, and the
 * last to close overwrote the other's acknowledged writes. Always PGlite, whatever DATABASE_URL says.
 */

const tempDirs: string[] = [];
const processes: EngramProcess[] = [];
afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.kill()));
  await Promise.all(tempDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
/** A data directory holding a migrated database (a copy: no initdb per server), or an empty one. */
async function tempDir(options: { migrated?: boolean } = {}): Promise<string> {
  const dir = await newDataDir("engram-lock-", options);
  tempDirs.push(dir);
  return dir;
}
async function spawnEmbedded(dataDir: string): Promise<EngramProcess> {
  const p = await spawnEngram({ dataDir, env: { DATABASE_URL: undefined }, args: ["--embedder", "none"] });
  processes.push(p);
  return p;
}

/** Runs the CLI to completion on the embedded database. */
const cli = (args: string[]) => runEngram(args, { DATABASE_URL: undefined });

const notes = (subjectId: string) => ({ filter: { subjectType: "contact", subjectId }, pageSize: 500 });

async function writeNotes(baseUrl: string, key: string, subjectId: string, count: number): Promise<void> {
  const client = memoryClient(baseUrl, key);
  for (let i = 0; i < count; i++) {
    await writeNote(client, subjectId, `note ${i}`);
  }
}

describe("one data directory, one process", () => {
  it("a second server on the directory is refused at once, naming the holder, and no write is lost", async () => {
    const dataDir = await tempDir();
    const first = await spawnEmbedded(dataDir);
    const key = await keyFor(dataDir, undefined);
    await writeNotes(first.baseUrl, key, "before", 20);

    const second = await cli(["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir]);
    expect(second.code).toBe(1);
    const lines = second.stderr.trim().split("\n").map(parseLogLine);
    // Refused before opening PGlite: no other line than the fatal one.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 60, msg: "engram failed to start" });
    const message = (lines[0]!.err as { message: string }).message;
    expect(message).toContain(`in use by engram pid ${first.child.pid} on host ${hostname()} since `);
    expect(message).toContain(`listening on 127.0.0.1:${first.port}`);

    // The first server keeps its directory: writes before and after the refusal all survive its restart.
    await writeNotes(first.baseUrl, key, "after", 20);
    first.child.kill("SIGTERM");
    expect(await first.exited).toEqual({ code: 0, signal: null });
    await expect(stat(join(dataDir, LOCK_FILE))).rejects.toMatchObject({ code: "ENOENT" });

    const restarted = await spawnEmbedded(dataDir);
    const client = memoryClient(restarted.baseUrl, key);
    expect((await client.listMemories(notes("before"))).memories).toHaveLength(20);
    expect((await client.listMemories(notes("after"))).memories).toHaveLength(20);
  });

  it("a lock left by a killed server (kill -9) is taken over, with a log line naming it", async () => {
    const dataDir = await tempDir();
    const crashed = await spawnEmbedded(dataDir);
    const key = await keyFor(dataDir, undefined);
    await writeNotes(crashed.baseUrl, key, "crash", 5);
    crashed.child.kill("SIGKILL");
    await crashed.exited;
    const stale = JSON.parse(await readFile(join(dataDir, LOCK_FILE), "utf8")) as { pid: number };
    expect(stale.pid).toBe(crashed.child.pid);

    const restarted = await spawnEmbedded(dataDir);
    expect(await restarted.waitForLog("took over the data directory lock of a process that is gone")).toMatchObject({
      level: 40,
      lockFile: join(dataDir, LOCK_FILE),
      previousHolder: expect.stringContaining(`engram pid ${crashed.child.pid} on host ${hostname()}`),
    });
    const held = JSON.parse(await readFile(join(dataDir, LOCK_FILE), "utf8")) as { pid: number };
    expect(held.pid).toBe(restarted.child.pid);
    const client = memoryClient(restarted.baseUrl, key);
    expect((await client.listMemories(notes("crash"))).memories).toHaveLength(5);
  });

  it("a lock held from another host is never taken over: that holder cannot be checked from here", async () => {
    const dataDir = await tempDir({ migrated: false });
    const holder = { id: "x", pid: process.pid, hostname: `not-${hostname()}`, startedAt: "2024-01-01T00:00:00.000Z" };
    await writeFile(join(dataDir, LOCK_FILE), JSON.stringify(holder));
    const err = await openDatabase({ schema: SCHEMA, dataDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataDirLockedError);
    expect((err as Error).message).toContain(`engram pid ${process.pid} on host not-${hostname()}`);
    await expect(stat(join(dataDir, "pglite"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("a lock from another pid namespace on this host (another container) is never taken over", async () => {
    const dataDir = await tempDir();
    // A pid that is not running here: in another namespace it may well be a live server.
    const holder = { id: "x", pid: 2 ** 22 - 1, hostname: hostname(), startedAt: "2024-01-01T00:00:00.000Z" };
    const lock = { ...holder, pidNamespace: "pid:[1]" };
    await writeFile(join(dataDir, LOCK_FILE), JSON.stringify(lock));
    await expect(openDatabase({ schema: SCHEMA, dataDir })).rejects.toBeInstanceOf(DataDirLockedError);
    // The same dead pid in this namespace is a stale lock, taken over.
    const ours = await readlink("/proc/self/ns/pid");
    await writeFile(join(dataDir, LOCK_FILE), JSON.stringify({ ...holder, pidNamespace: ours }));
    const db = await openDatabase({ schema: SCHEMA, dataDir });
    expect(db.lock?.replaced?.holder?.pid).toBe(holder.pid);
    await db.close();
  });

  it("a lock from an earlier boot of this machine is stale, even if its pid is alive now", async () => {
    const dataDir = await tempDir();
    const ours = await readlink("/proc/self/ns/pid");
    const lock = {
      id: "x",
      pid: process.ppid,
      hostname: hostname(),
      startedAt: "2024-01-01T00:00:00.000Z",
      bootId: "00000000-0000-0000-0000-000000000000",
      pidNamespace: ours,
    };
    await writeFile(join(dataDir, LOCK_FILE), JSON.stringify(lock));
    const db = await openDatabase({ schema: SCHEMA, dataDir });
    expect(db.lock?.replaced?.holder?.pid).toBe(process.ppid);
    await db.close();
  });

  it("a second opener in the same process is refused too, and the directory is free again after close", async () => {
    const dataDir = await tempDir();
    const db = await openDatabase({ schema: SCHEMA, dataDir });
    try {
      await expect(openDatabase({ schema: SCHEMA, dataDir })).rejects.toBeInstanceOf(DataDirLockedError);
    } finally {
      await db.close();
    }
    const again = await openDatabase({ schema: SCHEMA, dataDir });
    await again.close();
  });
});

describe("CLI commands on a directory a running server holds", () => {
  it("keys create goes through the server: the key works at once and survives a restart", async () => {
    const dataDir = await tempDir();
    const server = await spawnEmbedded(dataDir);
    const { code, stdout, stderr } = await cli([
      "keys",
      "create",
      "--workspace",
      "default",
      "--agent",
      "bot",
      "--scopes",
      "memory:read",
      "memory:write",
      "--data-dir",
      dataDir,
    ]);
    expect(code, stderr).toBe(0);
    const secret = stdout.trim();
    expect(secret).toMatch(/^egm_/);

    const written = await memoryClient(server.baseUrl, secret).writeMemory({
      memory: { subjectType: "contact", subjectId: "cli", kind: "note", content: "by the CLI's key" },
    });
    expect(written.memory?.agentId).toBe("bot");

    server.child.kill("SIGTERM");
    await server.exited;
    const restarted = await spawnEmbedded(dataDir);
    const { memory } = await memoryClient(restarted.baseUrl, secret).getMemory({ id: written.memory!.id });
    expect(memory?.content).toBe("by the CLI's key");
    expect(stderr).toContain(`acting through the running server at http://127.0.0.1:${server.port}`);
  });

  describe("one server, left running between these", () => {
    // Each reads what its commands did, never what the others did, so they share a server.
    const held = {} as { dataDir: string; server: EngramProcess };
    beforeAll(async () => {
      held.dataDir = await newDataDir("engram-lock-");
      held.server = await spawnEngram({
        dataDir: held.dataDir,
        env: { DATABASE_URL: undefined },
        args: ["--embedder", "none"],
      });
    });
    afterAll(async () => {
      await held.server.kill();
      await rm(held.dataDir, { recursive: true, force: true });
    });

    it("keys create for another workspace than admin.key's is refused, saying what to do", async () => {
      const { dataDir, server } = held;
      const { code, stdout, stderr } = await cli(["keys", "create", "--workspace", "acme", "--data-dir", dataDir]);
      expect(code).toBe(1);
      expect(stdout).toBe("");
      expect(stderr).toContain(`in use by engram pid ${server.child.pid}`);
      expect(stderr).toContain(`manages keys in workspace "default", not "acme"`);
      expect(stderr).toContain(
        `stop it and run this again, or call ApiKeyService.CreateApiKey on http://127.0.0.1:${server.port} with an admin key of workspace "acme"`,
      );
    });

    it("keys list and revoke go through the server: a revoked key stops working at once", async () => {
      const { dataDir, server } = held;
      const created = await cli([
        "keys",
        "create",
        "--workspace",
        "default",
        "--name",
        "ci bot",
        "--data-dir",
        dataDir,
      ]);
      expect(created.code, created.stderr).toBe(0);
      const secret = created.stdout.trim();
      const client = memoryClient(server.baseUrl, secret);
      await expect(client.listMemories({})).resolves.toMatchObject({ memories: [] });

      const listed = await cli(["keys", "list", "--data-dir", dataDir]);
      expect(listed.code, listed.stderr).toBe(0);
      const lines = listed.stdout.trimEnd().split("\n");
      expect(lines[0]).toMatch(/^id\s+workspace\s+name\s+scopes\s+agent\s+created\s+revoked$/);
      const bot = lines.find((line) => line.includes("ci bot"));
      expect(bot).toMatch(/^[0-9a-f-]{36}\s+default\s+ci bot\s+memory:read,memory:write\s+-\s+\S+Z\s+-$/);
      expect(listed.stdout).not.toContain(secret);
      const id = bot!.split(/\s+/)[0]!;

      const revoked = await cli(["keys", "revoke", id, "--data-dir", dataDir]);
      expect(revoked.code, revoked.stderr).toBe(0);
      expect(revoked.stdout).toBe(`revoked ${id} (ci bot)\n`);
      await expect(client.listMemories({})).rejects.toMatchObject({ code: Code.Unauthenticated });

      const afterwards = await cli(["keys", "list", "--data-dir", dataDir]);
      expect(afterwards.stdout).not.toContain(id);
      expect((await cli(["keys", "list", "--revoked", "--data-dir", dataDir])).stdout).toContain(id);
      const again = await cli(["keys", "revoke", "0190a0a0-0000-7000-8000-000000000000", "--data-dir", dataDir]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain("no API key 0190a0a0-0000-7000-8000-000000000000 in that workspace");
    });

    it("stats goes through the server: its admin key's workspace, and the server's embedder", async () => {
      const { dataDir, server } = held;
      await writeNotes(server.baseUrl, await keyFor(dataDir, undefined), "stats", 3);
      const { code, stdout, stderr } = await cli(["stats", "--data-dir", dataDir]);
      expect(code, stderr).toBe(0);
      expect(stderr).toContain(`acting through the running server at http://127.0.0.1:${server.port}`);
      expect(stdout.split("\n")).toEqual([
        "workspace  active  deleted  expired  superseded  embedding backlog  embedding failed",
        "default         3        0        0           0                  3                 0",
        "embedder: none (searches are KEYWORD)",
        "",
      ]);
    });

    it("reembed is refused while the server runs, telling to stop it first", async () => {
      const { dataDir, server } = held;
      const { code, stderr } = await cli(["reembed", "--embedder", "none", "--data-dir", dataDir]);
      expect(code).toBe(1);
      expect(stderr).toContain(`in use by engram pid ${server.child.pid}`);
      expect(stderr).toContain("stop that server first, then run reembed");
      expect(server.child.exitCode).toBeNull();
    });
  });
});
