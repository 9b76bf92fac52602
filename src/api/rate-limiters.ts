import type pg from "pg";
import { RateLimiterMemory, RateLimiterPostgres, type RateLimiterAbstract } from "rate-limiter-flexible";

/** Makes the limiter for one kind of counting (per key, per address): `points` per `durationSeconds`. */
export type RateLimiters = (name: string, points: number, durationSeconds: number) => RateLimiterAbstract;

/** Counters in this process: right for the embedded engine, which one server owns. */
export const memoryRateLimiters: RateLimiters = (name, points, duration) =>
  new RateLimiterMemory({ keyPrefix: name, points, duration });

/**
 * Counters in the shared Postgres (the rate_limits table), so that a limit holds across every
 * server on it. Should the database not answer, each server falls back to counting alone
 * rather than refusing calls or letting them through uncounted; a key already over its limit
 * is refused in memory, without a round trip, for the rest of its window.
 */
export function postgresRateLimiters(pool: pg.Pool): RateLimiters {
  return (name, points, duration) =>
    new RateLimiterPostgres({
      storeClient: pool,
      storeType: "pool",
      tableName: "rate_limits",
      tableCreated: true,
      keyPrefix: name,
      points,
      duration,
      inMemoryBlockOnConsumed: points + 1,
      inMemoryBlockDuration: duration,
      insuranceLimiter: new RateLimiterMemory({ keyPrefix: name, points, duration }),
    });
}
