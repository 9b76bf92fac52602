import { Migration } from "@mikro-orm/migrations";

/**
 * Rate-limit counters shared by every server on one Postgres (rate-limiter-flexible's layout).
 * Unlogged: counters for the current second or minute are not worth a WAL write, and a crash
 * that empties them only forgives one window.
 */
export class Migration20261123010000RateLimits extends Migration {
  override up(): void {
    this.addSql(`create unlogged table rate_limits (
      key varchar(255) primary key,
      points integer not null default 0,
      expire bigint
    )`);
  }
}
