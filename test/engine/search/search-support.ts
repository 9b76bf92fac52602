import { pino } from "pino";
/**
 * Small helpers shared by the search suites.
 */
import { randomBytes } from "node:crypto";
import { createClient, createRouterTransport, type ConnectRouter, type Interceptor } from "@connectrpc/connect";
import { afterAll, beforeAll, expect } from "vitest";
import { MemoryService, SearchMode, type SearchMemoriesResponse } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import type { StartOptions } from "../../../src/app.js";
import { principalKey, type Principal } from "../../../src/auth/principal.js";
import { composeMemory } from "../../../src/compose/memory.js";
import { ChangeFeed } from "../../../src/feed/change-feed.js";
import type { MemoryRepositories } from "../../../src/memory/repositories.js";
import { successorNamesOf } from "../../../src/memory/successors.js";
import { PageTokens } from "../../../src/memory/page-token.js";
import { memoryClient, type Protocol } from "../../support/clients.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import type { MemoryClient } from "../memory/write-list-support.js";

export { unique, sorted, type MemoryClient, type MemoryInit } from "../memory/write-list-support.js";

export const MODES = [SearchMode.HYBRID, SearchMode.SEMANTIC, SearchMode.KEYWORD] as const;

/** One real server for the file, with the given embedder; `ctx.server` and `ctx.admin` are set in beforeAll. */
export function useSearchServer(options: StartOptions = {}): { server: TestServer; admin: MemoryClient } {
  const ctx = {} as { server: TestServer; admin: MemoryClient };
  beforeAll(async () => {
    ctx.server = await startTestServer({}, options);
    ctx.admin = memoryClient(ctx.server.baseUrl, ctx.server.adminKey);
  });
  afterAll(async () => {
    await ctx.server?.close();
  });
  return ctx;
}

/** Ranks 1..n in arrival order, scores never rising, and every response naming the mode used. */
export function expectRankOrder(responses: SearchMemoriesResponse[], mode: SearchMode): void {
  expect(responses.map((r) => r.rank)).toEqual(responses.map((_, i) => i + 1));
  for (let i = 1; i < responses.length; i++) {
    expect(responses[i]!.score).toBeLessThanOrEqual(responses[i - 1]!.score);
  }
  for (const r of responses) expect(SearchMode[r.mode]).toBe(SearchMode[mode]);
}

export function modeName(mode: SearchMode): string {
  return SearchMode[mode];
}

export function clientFor(server: { baseUrl: string }, key: string, protocol?: Protocol): MemoryClient {
  return memoryClient(server.baseUrl, key, protocol);
}

/** Polls until `check` returns a value (not undefined), at most `attempts` times `intervalMs` apart. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  { attempts = 60, intervalMs = 500 } = {},
): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`condition not met after ${attempts} attempts`);
}

/** An admin of the server's workspace, as the request gate would establish it. */
function adminPrincipal(server: TestServer): Principal {
  return {
    keyId: "search-test",
    workspaceId: server.workspaceId,
    scopes: new Set(["admin", "memory:read", "memory:write"]),
    boundAgentId: null,
  };
}

/** Puts the principal into the handler context, where the request gate would. */
function withPrincipal(principal: Principal): Interceptor {
  return (next) => (req) => {
    req.contextValues.set(principalKey, principal);
    return next(req);
  };
}

/** Routes serving the real MemoryService over the server's database, through the given repositories. */
export function serviceRoutes(
  server: TestServer,
  repositories: Partial<MemoryRepositories>,
): (router: ConnectRouter) => void {
  const { em } = server.engram.db;
  const { embeddings } = server.engram;
  const { memory } = composeMemory({
    em,
    embeddings,
    pageTokens: new PageTokens(randomBytes(32)),
    feed: new ChangeFeed({
      em,
      logger: pino({ level: "silent" }),
      revokedKeys: async () => new Set(),
      sequencer: { kick: async () => {}, settle: async () => {} },
      successors: successorNamesOf(em),
    }),
    repositories,
  });
  return (router) => router.service(MemoryService, memory);
}

/**
 * A client of the real MemoryService built around a test's own repositories (to observe or
 * steer its queries), through Connect's in-memory router transport, acting as admin.
 */
export function directClient(server: TestServer, repositories: Partial<MemoryRepositories>): MemoryClient {
  const transport = createRouterTransport(serviceRoutes(server, repositories), {
    router: { interceptors: [withPrincipal(adminPrincipal(server))] },
  });
  return createClient(MemoryService, transport);
}
