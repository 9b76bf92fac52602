import { defineEntity, p } from "@mikro-orm/core";

/**
 * Rate-limit counters shared by every server on one Postgres, in rate-limiter-flexible's
 * layout; only that library reads and writes them. The table is unlogged (see its migration).
 */
export const RateLimitEntity = defineEntity({
  name: "RateLimit",
  tableName: "rate_limits",
  properties: {
    key: p.string().length(255).primary(),
    points: p.integer().default(0),
    expire: p.bigint("number").nullable(),
  },
});
