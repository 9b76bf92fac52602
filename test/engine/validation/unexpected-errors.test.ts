/**
 * Failures that are not the caller's fault: logged without memory content, vectors, SQL or
 * its parameters; client cancellations logged at debug, not error; full and read-only
 * storage answered RESOURCE_EXHAUSTED and UNAVAILABLE with a clear reason, not INTERNAL.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { DriverException } from "@mikro-orm/core";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../../../gen/ts/google/rpc/error_details_pb.js";
import { startEngram, type Engram } from "../../../src/app.js";
import { ApiKeys } from "../../../src/auth/api-keys.js";
import { DEFAULT_CONFIG } from "../../../src/config.js";
import { toConnectError } from "../../../src/errors/status.js";
import { memoryClient, type Protocol } from "../../support/clients.js";
import { createTestDatabase } from "../../support/database.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import { startTestServer } from "../../support/server.js";
import { loggableError } from "../../../src/logger.js";

interface LogLine {
  level: number;
  msg: string;
}

/** A real server whose log lines (debug and up) the test reads. */
async function loggedServer() {
  const lines: string[] = [];
  const dataDir = await mkdtemp(join(tmpdir(), "engram-logs-"));
  const database = process.env.DATABASE_URL ? await createTestDatabase(process.env.DATABASE_URL) : undefined;
  const engram: Engram = await startEngram(
    {
      ...DEFAULT_CONFIG,
      host: "127.0.0.1",
      port: 0,
      dataDir,
      databaseUrl: database?.url,
      rateLimit: 0,
      shutdownGraceSeconds: 2,
      logLevel: "debug",
      embedding: { ...DEFAULT_CONFIG.embedding, provider: "none" },
    },
    pino({ level: "debug" }, { write: (line: string) => void lines.push(line) }),
    { embedder: new WordHashEmbedder(), awaitEmbedder: true },
  );
  const { secret } = await new ApiKeys(engram.db.em).create({
    workspaceId: `logs-${randomUUID()}`,
    displayName: "logs",
    scopes: ["admin", "memory:read", "memory:write"],
    agentId: null,
  });
  return {
    engram,
    client: (protocol?: Protocol) => memoryClient(`http://127.0.0.1:${engram.port}`, secret, protocol),
    lines,
    async close() {
      await engram.close();
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

describe("logs", () => {
  let server: Awaited<ReturnType<typeof loggedServer>>;
  beforeAll(async () => {
    server = await loggedServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("an unexpected database error is logged with its SQLSTATE, but no content, vector, SQL or parameter", async () => {
    const em = server.engram.db.em.fork();
    await em.execute("alter table memories rename column title to title_gone");
    const secret = `SECRET-${randomUUID()}`;
    const before = server.lines.length;
    try {
      const err = await server
        .client()
        .writeMemory({
          memory: { subjectType: "contact", kind: "note", content: `${secret} content`, metadata: { note: secret } },
        })
        .catch((e: unknown) => ConnectError.from(e));
      expect(err).toBeInstanceOf(ConnectError);
      expect(Code[(err as ConnectError).code]).toBe("Internal");
    } finally {
      await em.execute("alter table memories rename column title_gone to title");
    }
    const logged = server.lines.slice(before).filter((l) => l.includes("unexpected error"));
    expect(logged).toHaveLength(1);
    const line = logged[0]!;
    expect(line).not.toContain(secret);
    expect(line).not.toMatch(/insert into|select .* from/i);
    // The word-hash vector would appear as a list of decimals.
    expect(line).not.toMatch(/\[-?0\.\d+,/);
    expect(JSON.parse(line)).toMatchObject({ level: 50, method: "WriteMemory", error: { sqlState: "42703" } });
  });

  it("streams the client cancels are logged at debug, never at error", async () => {
    const client = server.client("connect-h1");
    await client.batchWriteMemories({
      atomic: true,
      requests: Array.from({ length: 100 }, (_, i) => ({
        memory: { subjectType: "contact", kind: "note", content: `pitch ${i} ${"long ".repeat(8_000)}` },
      })),
    });
    const before = server.lines.length;
    for (const protocol of ["connect-h1", "grpc"] as Protocol[]) {
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          const abort = new AbortController();
          try {
            for await (const _ of server
              .client(protocol)
              .searchMemories({ query: "pitch", topK: 100 }, { signal: abort.signal })) {
              void _;
              abort.abort();
            }
          } catch (err) {
            expect(ConnectError.from(err).code).toBe(Code.Canceled);
          }
        }),
      );
    }
    // Still serving.
    const results = [];
    for await (const r of client.searchMemories({ query: "pitch", topK: 3 })) results.push(r);
    expect(results).toHaveLength(3);
    const lines = server.lines.slice(before).map((l) => JSON.parse(l) as LogLine);
    expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
  });
});

describe("storage failures", () => {
  const reasonOf = (err: ConnectError) => err.findDetails(ErrorInfoSchema)[0]?.reason;

  class ErrnoError extends Error {
    override name = "ErrnoError";
    constructor(readonly errno: number) {
      super("FS error");
    }
  }
  const driverError = (code: string, message: string) =>
    new DriverException(
      Object.assign(new Error(message), { code, query: "insert into memories ...", params: ["content"] }),
    );
  const nodeError = (code: string) => Object.assign(new Error(`${code}: failed, write`), { code, syscall: "write" });

  it.each([
    { name: "Postgres disk_full (53100)", err: driverError("53100", "could not extend file: No space left on device") },
    { name: "a Node ENOSPC", err: nodeError("ENOSPC") },
    { name: "PGlite's file system ENOSPC (errno 51)", err: new ErrnoError(51) },
    { name: "ENOSPC as the cause of another error", err: new Error("write failed", { cause: nodeError("ENOSPC") }) },
  ])("$name is RESOURCE_EXHAUSTED STORAGE_FULL", ({ err }) => {
    const mapped = toConnectError(err);
    expect(Code[mapped.code]).toBe("ResourceExhausted");
    expect(reasonOf(mapped)).toBe("STORAGE_FULL");
    expect(mapped.rawMessage).toMatch(/storage is full/);
  });

  it.each([
    {
      name: "Postgres read_only_sql_transaction (25006)",
      err: driverError("25006", "cannot execute INSERT in a read-only transaction"),
    },
    { name: "a Node EROFS", err: nodeError("EROFS") },
    { name: "PGlite's file system EROFS (errno 69)", err: new ErrnoError(69) },
  ])("$name is UNAVAILABLE STORAGE_READ_ONLY", ({ err }) => {
    const mapped = toConnectError(err);
    expect(Code[mapped.code]).toBe("Unavailable");
    expect(reasonOf(mapped)).toBe("STORAGE_READ_ONLY");
  });

  it("other errors stay INTERNAL, and what the log shows of them carries no SQL or parameters", () => {
    const err = driverError(
      "42P01",
      'insert into "memories" ("content") values ($1) - relation "memories" does not exist',
    );
    expect(Code[toConnectError(err).code]).toBe("Internal");
    expect(Code[toConnectError(nodeError("EPERM")).code]).toBe("Internal");
    const shown = JSON.stringify(loggableError(err));
    expect(shown).not.toMatch(/insert into|content|\$1/);
    expect(loggableError(err)).toMatchObject({ type: "DriverException", sqlState: "42P01" });
  });

  it("a write to a read-only database answers UNAVAILABLE, and succeeds once it is writable again", async () => {
    // One connection, so that the session setting applies to every query (Postgres pools).
    const server = await startTestServer({ dbPoolSize: 1 });
    try {
      const client = memoryClient(server.baseUrl, server.adminKey);
      const memory = { subjectType: "contact", kind: "note", content: "read-only probe" };
      const em = server.engram.db.em.fork();
      await em.execute("set default_transaction_read_only = on");
      try {
        const err = ConnectError.from(await client.writeMemory({ memory }).catch((e: unknown) => e));
        expect(Code[err.code]).toBe("Unavailable");
        expect(reasonOf(err)).toBe("STORAGE_READ_ONLY");
      } finally {
        await em.execute("set default_transaction_read_only = off");
      }
      expect((await client.writeMemory({ memory })).memory?.content).toBe("read-only probe");
    } finally {
      await server.close();
    }
  });
});
