import type { Interceptor } from "@connectrpc/connect";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import type { ApiKeys } from "../../auth/api-keys.js";
import { principalKey } from "../../auth/principal.js";
import { DomainError } from "../../errors.js";

/** Services anyone may call: probes and schema discovery carry no memory data. */
const PUBLIC_SERVICES = new Set([
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
]);

export interface AuthOptions {
  apiKeys: ApiKeys;
  /** Requests per second per API key; 0 turns rate limiting off. */
  rateLimitPerSecond: number;
}

/** Resolves the bearer key to a principal for the handlers, and applies the per-key rate limit. */
export function authInterceptor({ apiKeys, rateLimitPerSecond }: AuthOptions): Interceptor {
  const limiter = rateLimitPerSecond > 0 ? new RateLimiterMemory({ points: rateLimitPerSecond, duration: 1 }) : null;
  return (next) => async (req) => {
    if (PUBLIC_SERVICES.has(req.service.typeName)) return next(req);
    const secret = bearerToken(req.header.get("authorization"));
    if (secret === null) {
      throw new DomainError("unauthenticated", "MISSING_API_KEY", "missing API key: send Authorization: Bearer <key>");
    }
    const principal = await apiKeys.authenticate(secret);
    if (principal === null) {
      throw new DomainError("unauthenticated", "INVALID_API_KEY", "the API key is unknown or revoked");
    }
    if (limiter !== null) {
      try {
        await limiter.consume(principal.keyId);
      } catch (res) {
        if (!(res instanceof RateLimiterRes)) throw res;
        throw new DomainError(
          "resource_exhausted",
          "RATE_LIMITED",
          "too many requests for this API key",
          [],
          res.msBeforeNext,
        );
      }
    }
    req.contextValues.set(principalKey, principal);
    return next(req);
  };
}

/** The key in an `Authorization: Bearer <key>` header, or null. */
export function bearerToken(header: string | null | undefined): string | null {
  const match = header === null || header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}
