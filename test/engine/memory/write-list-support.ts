/**
 * Small helpers shared by the write, list, update/delete, seed and sweeper suites.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { anyUnpack, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect } from "vitest";
import type { MemorySchema } from "../../../gen/ts/engram/v1/memory_pb.js";
import type { MemoryService } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { BadRequestSchema, ErrorInfoSchema } from "../../../gen/ts/google/rpc/error_details_pb.js";
import type { Status } from "../../../gen/ts/google/rpc/status_pb.js";
import { memoryClient } from "../../support/clients.js";
import { startTestServer, type TestServer } from "../../support/server.js";

export type MemoryClient = Client<typeof MemoryService>;
export type MemoryInit = MessageInitShape<typeof MemorySchema>;

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

/** The ConnectError a call fails with (the test fails if it succeeds). */
export async function failure(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error("expected the call to fail, but it succeeded");
}

export function reasonOf(err: ConnectError): string | undefined {
  return err.findDetails(ErrorInfoSchema)[0]?.reason;
}

export function violatedFields(err: ConnectError): string[] {
  return err.findDetails(BadRequestSchema).flatMap((d) => d.fieldViolations.map((v) => v.field));
}

/** Asserts the call fails with this code and ErrorInfo reason; returns the error for more checks. */
export async function expectError(call: Promise<unknown>, code: Code, reason?: string): Promise<ConnectError> {
  const err = await failure(call);
  expect(Code[err.code], err.rawMessage).toBe(Code[code]);
  if (reason !== undefined) expect(reasonOf(err)).toBe(reason);
  return err;
}

/** The ErrorInfo reason inside a google.rpc.Status (per-item batch errors). */
export function statusReason(status: Status): string | undefined {
  for (const detail of status.details) {
    const info = anyUnpack(detail, ErrorInfoSchema);
    if (info) return info.reason;
  }
  return undefined;
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
