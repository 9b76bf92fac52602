/**
 * Small helpers shared by the write, list, update/delete, seed and sweeper suites.
 */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { memoryClient } from "../../support/clients.js";
import type { MemoryClient } from "../../support/factories/memory.js";
import { startTestServer, type TestServer } from "../../support/server.js";

export type { MemoryClient, MemoryInit } from "../../support/factories/memory.js";

/** Starts one real server for the file; `ctx.server` and `ctx.admin` are set once beforeAll ran. */
export function useServer(): { server: TestServer; admin: MemoryClient } {
  const ctx = {} as { server: TestServer; admin: MemoryClient };
  beforeAll(async () => {
    ctx.server = await startTestServer();
    ctx.admin = memoryClient(ctx.server.baseUrl, ctx.server.adminKey);
  });
  afterAll(async () => {
    await ctx.server?.close();
  });
  return ctx;
}

/** A value no other test (or earlier run on a shared Postgres) uses. */
export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function hoursFromNow(hours: number): ReturnType<typeof timestampFromDate> {
  return timestampFromDate(new Date(Date.now() + hours * 3600_000));
}

/** Every memory of a subject, deleted and expired ones included, in a stable order. */
export async function everythingAbout(client: MemoryClient, subjectType: string, subjectId: string, agentId = "") {
  const res = await client.listMemories({
    filter: { agentId, subjectType, subjectId, showDeleted: true, showExpired: true },
    pageSize: 500,
    orderBy: "create_time",
  });
  return res.memories;
}

export function sorted(ids: Iterable<string>): string[] {
  return [...ids].sort();
}
