import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { startEngram, type Engram, type StartOptions } from "../../src/app.js";
import { ApiKeys } from "../../src/auth/api-keys.js";
import type { Scope } from "../../src/auth/principal.js";
import { defaultEmbeddingConfig, type Config } from "../../src/config.js";

export interface TestServer {
  engram: Engram;
  baseUrl: string;
  port: number;
  dataDir: string;
  /** A workspace of its own, so suites sharing one Postgres never see each other's rows. */
  workspaceId: string;
  adminKey: string;
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
  const dataDir = overrides.dataDir ?? (await mkdtemp(join(tmpdir(), "engram-test-")));
  const config: Config = {
    host: "127.0.0.1",
    port: 0,
    databaseUrl: process.env.DATABASE_URL || undefined,
    dataDir,
    apiKey: undefined,
    tlsCert: undefined,
    tlsKey: undefined,
    rateLimit: 0,
    retentionDays: 30,
    sweepIntervalSeconds: 3600,
    shutdownGraceSeconds: 2,
    dbPoolSize: 20,
    logLevel: "warn",
    // Suites that search pass an embedder in `options`; the rest need none.
    embedding: { ...defaultEmbeddingConfig, provider: "none" },
    ...overrides,
  };
  const engram = await startEngram(config, pino({ level: "silent" }), options);
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
    workspaceId,
    adminKey,
    createKey,
    async close() {
      await engram.close();
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
