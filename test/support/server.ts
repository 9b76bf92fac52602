import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { pino } from "pino";
import { startEngram, type Engram, type StartOptions } from "../../src/app.js";
import { ApiKeys } from "../../src/auth/api-keys.js";
import type { Scope } from "../../src/auth/principal.js";
import { DEFAULT_CONFIG, type Config } from "../../src/config.js";
import { createTestDatabase } from "./database.js";
import { newDataDir } from "./templates.js";

export interface TestServer {
  engram: Engram;
  baseUrl: string;
  port: number;
  dataDir: string;
  /** The Postgres database this server uses, when not on PGlite. */
  databaseUrl: string | undefined;
  /** A workspace of its own, for suites that want one beside the bootstrap "default". */
  workspaceId: string;
  adminKey: string;
  /** The server's warnings and errors, as logged (the first 200), for a failing test to show. */
  warnings: string[];
  createKey(options?: { scopes?: Scope[]; agentId?: string; workspaceId?: string }): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts a real server on a free port: on PGlite in a temporary data directory, or on the
 * Postgres named by DATABASE_URL when it is set (CI runs every suite both ways).
 */
export async function startTestServer(
  overrides: Partial<Config> = {},
  options: StartOptions = {},
): Promise<TestServer> {
  const ownsDataDir = overrides.dataDir === undefined;
  const dataDir = overrides.dataDir ?? (await newDataDir());
  // On Postgres every test server gets a fresh database, as empty as a new embedded one,
  // unless the caller names a database (to restart on the same data).
  const database =
    !("databaseUrl" in overrides) && process.env.DATABASE_URL
      ? await createTestDatabase(process.env.DATABASE_URL)
      : undefined;
  const config: Config = {
    ...DEFAULT_CONFIG,
    host: "127.0.0.1",
    port: 0,
    dataDir,
    rateLimit: 0,
    sweepIntervalSeconds: 3600,
    shutdownGraceSeconds: 2,
    dbPoolSize: 20,
    logLevel: "warn",
    // Suites that search pass an embedder in `options`; the rest need none. A write waits up to
    // 2 s for its vector (the default is 200 ms), so a loaded machine does not leave PENDING a
    // write a suite expects ATTACHED; suites about the budget set their own.
    embedding: { ...DEFAULT_CONFIG.embedding, provider: "none", budgetMs: 2_000 },
    // Nor a reranker (which would fetch its model on the first search asking for rerank).
    reranker: "none",
    ...overrides,
    databaseUrl: database?.url ?? overrides.databaseUrl,
    readDatabaseUrls: database?.replicaUrls ?? overrides.readDatabaseUrls ?? [],
  };
  // Suites write as soon as the server is up, and expect an embedder they pass to be in use.
  const warnings: string[] = [];
  const logger = pino(
    { level: "warn" },
    { write: (line: string) => void (warnings.length < 200 && warnings.push(line)) },
  );
  const started = startEngram(config, logger, { awaitEmbedder: true, ...options });
  const engram = await started.catch(async (err: unknown) => {
    await database?.drop();
    throw err;
  });
  const apiKeys = new ApiKeys(engram.db.em);
  const workspaceId = `ws-${randomUUID()}`;
  const createKey: TestServer["createKey"] = async (options = {}) => {
    const { secret } = await apiKeys.create({
      workspaceId: options.workspaceId ?? workspaceId,
      displayName: "test",
      scopes: options.scopes ?? ["memory:read", "memory:write"],
      agentId: options.agentId ?? null,
    });
    return secret;
  };
  const adminKey = await createKey({ scopes: ["admin", "memory:read", "memory:write"] });
  return {
    engram,
    baseUrl: `http://127.0.0.1:${engram.port}`,
    port: engram.port,
    dataDir,
    databaseUrl: config.databaseUrl,
    workspaceId,
    adminKey,
    warnings,
    createKey,
    async close() {
      await engram.close();
      await database?.drop();
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
