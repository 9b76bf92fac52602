/**
 * Page tokens are signed (HMAC-SHA256) with a secret kept in the database: a forged or
 * tampered token is INVALID_ARGUMENT (never a position reaching SQL), and every server on the
 * same database, before and after a restart, accepts the tokens of the others.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "../../../src/errors/domain-error.js";
import { PageTokens } from "../../../src/memory/page-token.js";
import { memoryClient } from "../../support/clients.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import { expectError, violatedFields } from "../../support/codes.js";
import { type MemoryClient } from "./write-list-support.js";
import { aNoteWrite } from "../../support/factories/memory.js";

let server: TestServer;
let admin: MemoryClient;

beforeAll(async () => {
  server = await startTestServer();
  admin = memoryClient(server.baseUrl, server.adminKey);
});
afterAll(async () => {
  await server?.close();
});

async function seed(client: MemoryClient, count: number): Promise<string> {
  const subjectId = `paging-${randomUUID()}`;
  await client.batchWriteMemories({
    atomic: true,
    requests: Array.from({ length: count }, (_, i) => aNoteWrite(subjectId, `page ${i}`, { confidence: (i + 1) / 10 })),
  });
  return subjectId;
}

/**
 * A token made the way anyone could before tokens were signed: an unkeyed hash of the
 * (public) query shape, and a position of the wrong type for the order, which reached SQL.
 */
function unkeyedToken(subjectId: string): string {
  const viewer = { workspaceId: server.workspaceId, agentId: null, admin: true };
  const query = {
    subjectId,
    kinds: [],
    tags: [],
    anyTags: [],
    ownerAgentIds: [],
    showDeleted: false,
    showExpired: false,
    order: { field: "confidence", descending: false },
  };
  const q = createHash("sha256")
    .update(JSON.stringify([viewer, query]))
    .digest("base64url")
    .slice(0, 22);
  return Buffer.from(JSON.stringify({ q, v: "2020-01-01T00:00:00Z", i: randomUUID() })).toString("base64url");
}

describe("forged page tokens", () => {
  it("a token forged from the query's unkeyed hash is INVALID_ARGUMENT over Connect JSON and REST", async () => {
    const subjectId = await seed(admin, 3);
    const pageToken = unkeyedToken(subjectId);
    const err = await expectError(
      admin.listMemories({ filter: { subjectId }, orderBy: "confidence", pageToken }),
      Code.InvalidArgument,
      "INVALID_PAGE_TOKEN",
    );
    expect(violatedFields(err)).toEqual(["page_token"]);

    const res = await fetch(
      `${server.baseUrl}/v1/memory?subject_id=${subjectId}&order_by=confidence&page_token=${pageToken}`,
      { headers: { authorization: `Bearer ${server.adminKey}` } },
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { status: "INVALID_ARGUMENT", details: [{ reason: "INVALID_PAGE_TOKEN" }, {}] },
    });
  });

  it("a real token with its position changed, or signed with another secret, is INVALID_ARGUMENT", async () => {
    const subjectId = await seed(admin, 4);
    const first = await admin.listMemories({ filter: { subjectId }, orderBy: "confidence", pageSize: 2 });
    const [, mac] = first.nextPageToken.split(".");
    const moved = Buffer.from(JSON.stringify({ v: 0, i: randomUUID() })).toString("base64url");
    const otherSecret = new PageTokens(randomBytes(32)).encode([], { value: 0.1, id: randomUUID() });
    for (const pageToken of [`${moved}.${mac}`, otherSecret, `${first.nextPageToken}x`]) {
      await expectError(
        admin.listMemories({ filter: { subjectId }, orderBy: "confidence", pageSize: 2, pageToken }),
        Code.InvalidArgument,
        "INVALID_PAGE_TOKEN",
      );
    }
    const second = await admin.listMemories({
      filter: { subjectId },
      orderBy: "confidence",
      pageSize: 2,
      pageToken: first.nextPageToken,
    });
    expect(second.memories.map((m) => m.content)).toEqual(["page 2", "page 3"]);
  });
});

describe("the signed position is checked against the order field too", () => {
  const tokens = new PageTokens(randomBytes(32));
  const query = ["same query"];
  const id = randomUUID();

  it.each([
    { order: "confidence" as const, value: "2020-01-01T00:00:00.000Z" },
    { order: "confidence" as const, value: 1e50 },
    { order: "create_time" as const, value: 0.5 },
    { order: "update_time" as const, value: "+275760-09-13T00:00:00.000Z" },
    { order: "create_time" as const, value: "2020-02-30T00:00:00.000Z x" },
  ])("$order with $value is INVALID_PAGE_TOKEN", ({ order, value }) => {
    const token = tokens.encode(query, { value, id });
    let thrown: unknown;
    try {
      tokens.decode(token, query, order);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect((thrown as DomainError).reason).toBe("INVALID_PAGE_TOKEN");
  });

  it("a well-typed position round-trips", () => {
    const position = { value: "2026-11-22T10:00:00.123Z", id };
    expect(tokens.decode(tokens.encode(query, position), query, "update_time")).toEqual(position);
  });
});

describe("one secret per database", () => {
  it("a token from one server is accepted by another on the same database (Postgres) or after a restart (PGlite)", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "engram-token-"));
    const first = await startTestServer({ dataDir });
    let firstOpen = true;
    let second: TestServer | undefined;
    try {
      const client = memoryClient(first.baseUrl, first.adminKey);
      const subjectId = await seed(client, 5);
      const page = await client.listMemories({ filter: { subjectId }, orderBy: "confidence", pageSize: 2 });
      if (first.databaseUrl === undefined) {
        await first.close();
        firstOpen = false;
        second = await startTestServer({ dataDir });
      } else {
        second = await startTestServer({ databaseUrl: first.databaseUrl });
      }
      const next = await memoryClient(second.baseUrl, first.adminKey).listMemories({
        filter: { subjectId },
        orderBy: "confidence",
        pageSize: 2,
        pageToken: page.nextPageToken,
      });
      expect(next.memories.map((m) => m.content)).toEqual(["page 2", "page 3"]);
    } finally {
      await second?.close();
      if (firstOpen) await first.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
