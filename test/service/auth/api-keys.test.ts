/**
 * ApiKeyService through the real service, without HTTP: keys are created, listed and revoked
 * inside the caller's workspace only, and a revoked secret stops authenticating.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServices, type ServiceHarness } from "../../support/service.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices();
});
afterAll(() => services.close());

const admin = () => services.apiKeys({ scopes: ["admin"] });

describe("API keys", () => {
  it("a created key authenticates until it is revoked, and stays listed as revoked", async () => {
    const { apiKey, secret } = await admin().createApiKey({
      apiKey: { displayName: "crm sync", scopes: ["memory:read"], agentId: "sync" },
    });
    const keys = services.keys;
    expect(await keys.authenticate(secret)).toMatchObject({
      workspaceId: services.workspaceId,
      boundAgentId: "sync",
      scopes: new Set(["memory:read"]),
    });

    const revoked = await admin().revokeApiKey({ id: apiKey?.id ?? "" });
    expect(revoked.apiKey?.revokeTime).toBeDefined();
    expect(await keys.authenticate(secret)).toBeNull();
    const listed = await admin().listApiKeys({ showRevoked: true });
    expect(listed.apiKeys.map((k) => k.id)).toContain(apiKey?.id);
    expect((await admin().listApiKeys({})).apiKeys.map((k) => k.id)).not.toContain(apiKey?.id);
  });

  it("another workspace's key is NOT_FOUND to revoke and absent from lists", async () => {
    const { apiKey } = await services
      .apiKeys({ scopes: ["admin"], workspaceId: "elsewhere" })
      .createApiKey({ apiKey: { displayName: "theirs", scopes: ["memory:read"] } });
    const err = await admin()
      .revokeApiKey({ id: apiKey?.id ?? "" })
      .catch((e: unknown) => e);
    expect((err as ConnectError).code).toBe(Code.NotFound);
    expect((await admin().listApiKeys({})).apiKeys.map((k) => k.id)).not.toContain(apiKey?.id);
  });

  it("managing keys needs the admin scope", async () => {
    const err = await services
      .apiKeys({ scopes: ["memory:read", "memory:write"] })
      .listApiKeys({})
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.PermissionDenied);
  });
});
