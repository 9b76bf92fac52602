import type { HandlerContext } from "@connectrpc/connect";
import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { ApiKeys } from "../auth/api-keys.js";
import { principalKey, type Principal } from "../auth/principal.js";
import { DomainError } from "../errors/domain-error.js";
import { clientAddressKey } from "./client-address.js";
import { toConnectError } from "../errors/status.js";
import type { RateLimiters } from "./rate-limiters.js";

/** Services anyone may call: probes and schema discovery carry no memory data. */
export const PUBLIC_SERVICES: ReadonlySet<string> = new Set([
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
]);

export interface AuthenticationOptions {
  apiKeys: ApiKeys;
  /** Requests per second per API key; 0 turns rate limiting off. */
  rateLimitPerSecond: number;
  /** Failed authentications per minute per client address before it is refused for a while; 0: no limit. */
  authFailuresPerMinute: number;
  /** Where the counters live: in memory, or shared by every server on one Postgres. */
  limiters: RateLimiters;
}

/**
 * Bearer keys to principals, with the per-key rate limit, and a per-address limit on failed
 * attempts so that guessing keys costs the guesser, not the database.
 */
export class Authentication {
  private readonly apiKeys: ApiKeys;
  private readonly perKey: RateLimiterAbstract | null;
  private readonly failures: RateLimiterAbstract | null;

  constructor({ apiKeys, rateLimitPerSecond, authFailuresPerMinute, limiters }: AuthenticationOptions) {
    this.apiKeys = apiKeys;
    this.perKey = rateLimitPerSecond > 0 ? limiters("key", rateLimitPerSecond, 1) : null;
    this.failures = authFailuresPerMinute > 0 ? limiters("auth_failure", authFailuresPerMinute, 60) : null;
  }

  /**
   * The principal for an Authorization header, or a DomainError that says why not. Only calls
   * count against the per-key rate limit (see requestGate): MCP checks its key here first too.
   */
  async principalFor(authorization: string | null | undefined, clientAddress: string): Promise<Principal> {
    await this.refuseThrottledAddress(clientAddress);
    const secret = bearerToken(authorization);
    if (secret === null) {
      await this.recordFailure(clientAddress);
      throw new DomainError("unauthenticated", "MISSING_API_KEY", "missing API key: send Authorization: Bearer <key>");
    }
    const principal = await this.apiKeys.authenticate(secret);
    if (principal === null) {
      await this.recordFailure(clientAddress);
      throw new DomainError("unauthenticated", "INVALID_API_KEY", "the API key is unknown or revoked");
    }
    return principal;
  }

  /**
   * Runs before a request body is read, so that a caller without a valid key never costs a
   * parse: resolves the principal into the call's context for the service handlers. REST and
   * MCP authenticate before reading their own bodies and hand the principal over in process
   * (a network caller cannot set context values), so the key is looked up once per call.
   */
  requestGate(): (ctx: HandlerContext) => Promise<void> {
    return async (ctx) => {
      if (PUBLIC_SERVICES.has(ctx.service.typeName)) return;
      try {
        const principal =
          ctx.values.get(principalKey) ??
          (await this.principalFor(ctx.requestHeader.get("authorization"), ctx.values.get(clientAddressKey)));
        await consume(this.perKey, principal.keyId, "RATE_LIMITED", "too many requests for this API key");
        ctx.values.set(principalKey, principal);
      } catch (err) {
        // The gate runs outside the interceptors, so it speaks Connect errors itself.
        throw toConnectError(err);
      }
    };
  }

  private async refuseThrottledAddress(clientAddress: string): Promise<void> {
    if (this.failures === null || clientAddress === "") return;
    const state = await this.failures.get(clientAddress);
    if (state !== null && state.consumedPoints > this.failures.points) {
      throw throttled(state.msBeforeNext);
    }
  }

  private async recordFailure(clientAddress: string): Promise<void> {
    if (this.failures === null || clientAddress === "") return;
    // Going over the limit here is what the next attempt's check refuses.
    await this.failures.consume(clientAddress).catch((res: unknown) => {
      if (!(res instanceof RateLimiterRes)) throw res;
    });
  }
}

async function consume(limiter: RateLimiterAbstract | null, key: string, reason: string, message: string) {
  if (limiter === null) return;
  try {
    await limiter.consume(key);
  } catch (res) {
    if (!(res instanceof RateLimiterRes)) throw res;
    throw new DomainError("resource_exhausted", reason, message, [], res.msBeforeNext);
  }
}

function throttled(retryAfterMs: number): DomainError {
  return new DomainError(
    "resource_exhausted",
    "TOO_MANY_FAILED_AUTHENTICATIONS",
    "too many failed authentications from this address; wait before trying again",
    [],
    retryAfterMs,
  );
}

/** The key in an `Authorization: Bearer <key>` header, or null. */
export function bearerToken(header: string | null | undefined): string | null {
  const match = header === null || header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}
