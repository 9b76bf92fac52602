import { randomUUID } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, describe, expect, inject, it } from "vitest";
import { parseLogLine, runEngram, spawnEngram } from "../../support/engram-process.js";

/** Issue 9: DATABASE_URL must name Postgres and an existing database; an unanswering one must not hang start-up. */

const tempDirs: string[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await Promise.all(tempDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "engram-dbconfig-"));
  tempDirs.push(dir);
  return dir;
}

/** `engram serve` to completion with the given DATABASE_URL; never throws, so exit codes can be asserted. */
async function serve(databaseUrl: string, args: string[] = [], env: Record<string, string> = {}) {
  const dataDir = join(await tempDir(), "data");
  const serveArgs = ["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir, ...args];
  const result = await runEngram(serveArgs, { ...env, DATABASE_URL: databaseUrl, ENGRAM_EMBEDDER: "none" }, 45_000);
  return { ...result, dataDir };
}

/** The message of the last (fatal) log line. */
function fatalMessage(stderr: string): string {
  const last = parseLogLine(stderr.trim().split("\n").at(-1) ?? "");
  expect(last).toMatchObject({ level: 60, msg: "engram failed to start" });
  return (last!.err as { message: string }).message;
}

describe("DATABASE_URL", () => {
  it.each(["mysql://root:s3cret-pw@db.example:3306/engram", "http://user:s3cret-pw@127.0.0.1/engram"])(
    "%s is refused before anything is opened, naming the scheme and never the password",
    async (url) => {
      const { code, stderr, dataDir } = await serve(url);
      expect(code).not.toBe(0);
      const scheme = url.slice(0, url.indexOf(":"));
      expect(stderr).toContain(`DATABASE_URL has the scheme ${scheme}://, expected postgres:// or postgresql://`);
      expect(stderr).not.toContain("s3cret-pw");
      await expect(stat(dataDir)).rejects.toMatchObject({ code: "ENOENT" });
    },
  );

  it("a listener that never answers fails start-up within --db-connect-timeout, with one clear line", async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    cleanups.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });
    const port = (silent.address() as net.AddressInfo).port;

    const { code, stderr } = await serve(`postgresql://engram:s3cret-pw@127.0.0.1:${port}/engram`, [
      "--db-connect-timeout",
      "1",
    ]);
    expect(code).toBe(1);
    expect(sockets.length).toBeGreaterThan(0); // it did connect, and then waited for an answer
    expect(fatalMessage(stderr)).toBe(`could not connect to the database at 127.0.0.1:${port} within 1 s`);
    expect(stderr).not.toContain("s3cret-pw");
  });
});

describe("a database that does not exist", () => {
  const baseUrl = inject("postgresUrl");

  async function databaseExists(name: string): Promise<boolean> {
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    try {
      return (await client.query("select 1 from pg_database where datname = $1", [name])).rowCount === 1;
    } finally {
      await client.end();
    }
  }

  function missingDatabase(): { name: string; url: string } {
    const name = `engram_missing_${randomUUID().replaceAll("-", "")}`;
    const url = new URL(baseUrl);
    url.pathname = `/${name}`;
    cleanups.push(async () => {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`).finally(() => client.end());
    });
    return { name, url: url.toString() };
  }

  it.each([
    ["without --create-database", {}],
    ["with ENGRAM_CREATE_DATABASE=false", { ENGRAM_CREATE_DATABASE: "false" }],
  ])("is refused %s, and is not created", async (_, env) => {
    const { name, url } = missingDatabase();
    const { code, stderr } = await serve(url, [], env);
    expect(code).toBe(1);
    const address = `${new URL(baseUrl).hostname}:${new URL(baseUrl).port}`;
    expect(fatalMessage(stderr)).toBe(
      `database "${name}" does not exist at ${address}: create it, or start with --create-database (ENGRAM_CREATE_DATABASE=true)`,
    );
    expect(await databaseExists(name)).toBe(false);
  });

  it("is created and migrated with --create-database", async () => {
    const { name, url } = missingDatabase();
    const server = await spawnEngram({
      dataDir: await tempDir(),
      env: { DATABASE_URL: url },
      args: ["--create-database"],
    });
    try {
      expect(await server.waitForLog("database ready, migrations applied")).toMatchObject({ database: "postgres" });
    } finally {
      await server.kill();
    }
    expect(await databaseExists(name)).toBe(true);
  });
});
