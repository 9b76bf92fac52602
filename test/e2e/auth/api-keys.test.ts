import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../../../gen/ts/google/rpc/error_details_pb.js";
import { ApiKeys, readAdminKey } from "../../../src/auth/api-keys.js";
import { apiKeyClient, memoryClient } from "../../support/clients.js";
import { expectError, violatedFields } from "../../support/codes.js";
import { startTestServer, type TestServer } from "../../support/server.js";

describe("ApiKeyService", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  /** An admin client in a workspace of its own, so listings hold only what the test made. */
  async function freshWorkspaceAdmin() {
    const workspaceId = `keys-${randomUUID()}`;
    const secret = await server.createKey({ workspaceId, scopes: ["admin"] });
    return { workspaceId, client: apiKeyClient(server.baseUrl, secret) };
  }

  it("CreateApiKey returns a working secret once; ListApiKeys never shows it", async () => {
    const { workspaceId, client } = await freshWorkspaceAdmin();
    const agentId = `agent-${randomUUID()}`;
    const created = await client.createApiKey({
      apiKey: { displayName: "crm agent", scopes: ["memory:read", "memory:write"], agentId },
    });
    expect(created.secret).toMatch(/^egm_[A-Za-z0-9_-]{40,}$/);
    expect(created.apiKey).toMatchObject({
      workspaceId,
      displayName: "crm agent",
      scopes: ["memory:read", "memory:write"],
      agentId,
    });
    expect(created.apiKey?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.apiKey?.createTime).toBeDefined();
    expect(created.apiKey?.revokeTime).toBeUndefined();

    // The secret works, in its workspace, as its agent.
    const asAgent = memoryClient(server.baseUrl, created.secret);
    const written = await asAgent.writeMemory({ memory: { subjectType: "contact", kind: "note", content: "hello" } });
    expect(written.memory).toMatchObject({ workspaceId, agentId });

    const listed = await client.listApiKeys({});
    const mine = listed.apiKeys.find((k) => k.id === created.apiKey?.id);
    expect(mine).toMatchObject({ displayName: "crm agent", agentId, workspaceId });
    const wire = JSON.stringify(listed, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v));
    expect(wire).not.toContain(created.secret);
    expect(wire).not.toContain(created.secret.slice(4, 20));
  });

  it("is admin-only: a memory key gets PERMISSION_DENIED and creates nothing", async () => {
    const { client: admin } = await freshWorkspaceAdmin();
    const before = (await admin.listApiKeys({ showRevoked: true })).apiKeys.map((k) => k.id);
    const someone = apiKeyClient(server.baseUrl, await server.createKey({ scopes: ["memory:read", "memory:write"] }));
    await expectError(someone.createApiKey({ apiKey: { scopes: ["admin"] } }), Code.PermissionDenied, "MISSING_SCOPE");
    await expectError(someone.listApiKeys({}), Code.PermissionDenied, "MISSING_SCOPE");
    await expectError(someone.revokeApiKey({ id: before[0]! }), Code.PermissionDenied, "MISSING_SCOPE");
    expect((await admin.listApiKeys({ showRevoked: true })).apiKeys.map((k) => k.id)).toEqual(before);
  });

  it.each([
    { scopes: ["memory:delete"], field: "api_key.scopes[0]" },
    { scopes: ["memory:read", "root"], field: "api_key.scopes[1]" },
    { scopes: [], field: "api_key.scopes" },
    { scopes: ["memory:read", "memory:read"], field: "api_key.scopes" },
  ])("rejects scopes $scopes with INVALID_ARGUMENT naming $field", async ({ scopes, field }) => {
    const { client } = await freshWorkspaceAdmin();
    const before = (await client.listApiKeys({})).apiKeys.length;
    const err = await expectError(client.createApiKey({ apiKey: { scopes } }), Code.InvalidArgument);
    expect(violatedFields(err)).toContain(field);
    expect(err.findDetails(ErrorInfoSchema)[0]?.reason).toMatch(/^[A-Z0-9_]+$/);
    expect((await client.listApiKeys({})).apiKeys.length).toBe(before);
  });

  it("rejects a missing api_key with INVALID_ARGUMENT", async () => {
    const { client } = await freshWorkspaceAdmin();
    const err = await expectError(client.createApiKey({}), Code.InvalidArgument);
    expect(violatedFields(err)).toContain("api_key");
  });

  it("pages through every key exactly once", async () => {
    const { client } = await freshWorkspaceAdmin();
    for (let i = 0; i < 4; i++)
      await client.createApiKey({ apiKey: { displayName: `k${i}`, scopes: ["memory:read"] } });
    const all = (await client.listApiKeys({ pageSize: 500 })).apiKeys.map((k) => k.id);
    expect(all).toHaveLength(5);

    const pages: string[][] = [];
    let pageToken = "";
    do {
      const page = await client.listApiKeys({ pageSize: 2, pageToken });
      pages.push(page.apiKeys.map((k) => k.id));
      pageToken = page.nextPageToken;
    } while (pageToken !== "" && pages.length < 10);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual(all);

    const bad = await expectError(
      client.listApiKeys({ pageToken: "not-a-token" }),
      Code.InvalidArgument,
      "INVALID_PAGE_TOKEN",
    );
    expect(violatedFields(bad)).toEqual(["page_token"]);
    const tooBig = await expectError(client.listApiKeys({ pageSize: 501 }), Code.InvalidArgument);
    expect(violatedFields(tooBig)).toEqual(["page_size"]);
  });

  it("revokes: the key leaves the default listing, shows with show_revoked, and stops working", async () => {
    const { client } = await freshWorkspaceAdmin();
    const created = await client.createApiKey({ apiKey: { displayName: "temp", scopes: ["memory:read"] } });
    const id = created.apiKey!.id;
    const reader = memoryClient(server.baseUrl, created.secret);
    await reader.listMemories({});

    const revoked = await client.revokeApiKey({ id });
    expect(revoked.apiKey?.id).toBe(id);
    expect(revoked.apiKey?.revokeTime).toBeDefined();

    expect((await client.listApiKeys({})).apiKeys.map((k) => k.id)).not.toContain(id);
    const withRevoked = await client.listApiKeys({ showRevoked: true });
    expect(withRevoked.apiKeys.find((k) => k.id === id)?.revokeTime).toEqual(revoked.apiKey?.revokeTime);
    await expectError(reader.listMemories({}), Code.Unauthenticated, "INVALID_API_KEY");
    // Revoking again keeps the first revoke time.
    expect((await client.revokeApiKey({ id })).apiKey?.revokeTime).toEqual(revoked.apiKey?.revokeTime);
  });

  it("revoking an unknown id, a malformed id, or another workspace's key is NOT_FOUND", async () => {
    const { client } = await freshWorkspaceAdmin();
    const { client: otherAdmin } = await freshWorkspaceAdmin();
    const theirs = await otherAdmin.createApiKey({ apiKey: { scopes: ["memory:read"] } });

    await expectError(client.revokeApiKey({ id: randomUUID() }), Code.NotFound, "API_KEY_NOT_FOUND");
    await expectError(client.revokeApiKey({ id: "no-such-key" }), Code.NotFound, "API_KEY_NOT_FOUND");
    await expectError(client.revokeApiKey({ id: theirs.apiKey!.id }), Code.NotFound, "API_KEY_NOT_FOUND");
    // Their key still works and is not listed here.
    await memoryClient(server.baseUrl, theirs.secret).listMemories({});
    expect((await client.listApiKeys({ showRevoked: true })).apiKeys.map((k) => k.id)).not.toContain(theirs.apiKey!.id);
    await expectError(client.revokeApiKey({ id: "" }), Code.InvalidArgument);
  });
});

describe("bootstrap admin key (fresh embedded database)", () => {
  let servers: TestServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });

  async function freshServer(apiKey?: string): Promise<TestServer> {
    const server = await startTestServer({ databaseUrl: undefined, apiKey });
    servers.push(server);
    return server;
  }

  /** admin.key must be there, readable by its owner only, and hold an admin key of workspace "default". */
  async function expectBootstrapAdmin(server: TestServer): Promise<string> {
    const path = join(server.dataDir, "admin.key");
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const secret = await readAdminKey(server.dataDir);

    const keys = await apiKeyClient(server.baseUrl, secret).listApiKeys({});
    expect(keys.apiKeys).toHaveLength(1);
    expect(keys.apiKeys[0]).toMatchObject({ workspaceId: "default", displayName: "bootstrap admin", agentId: "" });
    expect(keys.apiKeys[0]?.scopes).toContain("admin");
    const written = await memoryClient(server.baseUrl, secret).writeMemory({
      memory: { subjectType: "self", kind: "note", content: "bootstrapped" },
    });
    expect(written.memory?.workspaceId).toBe("default");
    return secret;
  }

  it("creates an admin key for workspace default in <data dir>/admin.key, mode 0600", async () => {
    const server = await freshServer();
    const secret = await expectBootstrapAdmin(server);
    expect(secret).toMatch(/^egm_/);
    expect(secret).not.toBe(server.adminKey);
  });

  it("uses ENGRAM_API_KEY as the bootstrap secret when given, and does nothing once keys exist", async () => {
    const preset = `egm_preset_${randomUUID()}`;
    const server = await freshServer(preset);
    expect(await expectBootstrapAdmin(server)).toBe(preset);

    // A second start on the same database finds keys and writes no new file.
    const dir = await mkdtemp(join(tmpdir(), "engram-bootstrap-"));
    try {
      expect(await new ApiKeys(server.engram.db.em).bootstrap(dir, `egm_other_${randomUUID()}`)).toBeNull();
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
