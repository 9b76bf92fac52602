import { createContextValues, type UnaryRequest } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { Health } from "../../../gen/ts/grpc/health/v1/health_pb.js";
import { SCOPES } from "../../../src/auth/principal.js";
import { requiredScopeOf, scopeInterceptor } from "../../../src/server/interceptors/scope.js";
import { API_SERVICES } from "../../../src/server/routes.js";

describe("required scopes", () => {
  it("every method of the API declares the scope it needs", () => {
    for (const service of API_SERVICES) {
      for (const method of service.methods) {
        expect(SCOPES, `${service.typeName}.${method.name}`).toContain(requiredScopeOf(method));
      }
    }
  });

  it("reads the scope each method declares", () => {
    const scopes = Object.fromEntries(API_SERVICES.flatMap((s) => s.methods.map((m) => [m.name, requiredScopeOf(m)])));
    expect(scopes).toMatchObject({
      WriteMemory: "memory:write",
      SearchMemories: "memory:read",
      GetMemory: "memory:read",
      DeleteMemory: "memory:write",
      CreateApiKey: "admin",
      RevokeApiKey: "admin",
    });
  });

  it("health needs no scope", () => {
    for (const method of Health.methods) expect(requiredScopeOf(method)).toBeUndefined();
  });

  it("refuses a method that declares no scope unless its service is public", async () => {
    const call = (serviceName: string) => {
      const req = {
        stream: false,
        method: Health.method.check,
        service: { ...Health, typeName: serviceName },
        contextValues: createContextValues(),
      } as unknown as UnaryRequest;
      return scopeInterceptor()(async () => ({ stream: false }) as never)(req);
    };
    await expect(call("grpc.health.v1.Health")).resolves.toBeDefined();
    await expect(call("engram.v1.Undeclared")).rejects.toMatchObject({ reason: "MISSING_SCOPE" });
  });
});
