/**
 * Reading the key out of an Authorization header: only a single bearer token is a key, so a
 * malformed header is a missing key (UNAUTHENTICATED) rather than a lookup of garbage, and
 * only probes and schema discovery are open to callers without one.
 */
import { describe, expect, it } from "vitest";
import { bearerToken, PUBLIC_SERVICES } from "./authentication.js";

describe("bearerToken", () => {
  it("takes the key after Bearer, whatever the case of the scheme", () => {
    expect(bearerToken("Bearer eg_live_abc123")).toBe("eg_live_abc123");
    expect(bearerToken("bearer eg_live_abc123")).toBe("eg_live_abc123");
    expect(bearerToken("BEARER eg_live_abc123")).toBe("eg_live_abc123");
  });

  it("tolerates extra whitespace between the scheme and the key and after the key", () => {
    expect(bearerToken("Bearer \t key ")).toBe("key");
    expect(bearerToken("Bearer key\r\n")).toBe("key");
  });

  it("keeps every character of the key that is not whitespace", () => {
    expect(bearerToken("Bearer a.b-c_d~e+f/g=")).toBe("a.b-c_d~e+f/g=");
  });

  it("finds no key in a missing or empty header, or one without a key", () => {
    for (const header of [null, undefined, "", "Bearer", "Bearer ", "Bearer\t"]) expect(bearerToken(header)).toBeNull();
  });

  it("finds no key under another scheme or a misspelt one", () => {
    for (const header of ["Basic dXNlcjpwYXNz", "Token key", "Bearerkey", "Bearer:key", "Bearers key"]) {
      expect(bearerToken(header)).toBeNull();
    }
  });

  it("refuses two tokens and leading whitespace rather than pick one", () => {
    for (const header of ["Bearer key1 key2", "Bearer key, Bearer other", " Bearer key", "x Bearer key"]) {
      expect(bearerToken(header)).toBeNull();
    }
  });
});

describe("PUBLIC_SERVICES", () => {
  it("opens health checks and reflection only, not the memory or key services", () => {
    expect([...PUBLIC_SERVICES].sort()).toEqual([
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
    ]);
    expect(PUBLIC_SERVICES.has("engram.v1.MemoryService")).toBe(false);
    expect(PUBLIC_SERVICES.has("engram.v1.ApiKeyService")).toBe(false);
  });
});
