import { Migration } from "@mikro-orm/migrations";

/** The ids a stored message names, as uuidsIn (src/ids.ts) finds them. */
const idsIn = (column: string) =>
  `array(select distinct m[1]::uuid from regexp_matches(encode(${column}, 'escape'),
    '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})', 'g') as m)`;

/**
 * Staged writes and recorded write responses keep the memory ids their message names, indexed,
 * so an erasure finds them by an index probe: reading every message of the workspace with a
 * pattern cost 130 ms (Postgres) to 200 ms (PGlite) a batch at 10,000 responses, and grew with
 * every response kept. Existing rows are filled by the same pattern, once. Without a pending
 * list (decision 0003): with one, 11,800 responses written since the last vacuum made each probe
 * read the whole list (a batch took 725 ms on PGlite and 860 ms on Postgres, against 130 and 93).
 */
export class Migration20261127092028ErasureMemoryIds extends Migration {
  override up(): void {
    this.addSql('alter table "staged_writes" add "memory_ids" uuid[] not null default \'{}\'');
    this.addSql(`update staged_writes set memory_ids = ${idsIn("body")}`);
    this.addSql(
      "create index staged_writes_memory_ids on staged_writes using gin (memory_ids) with (fastupdate = off)",
    );
    this.addSql('alter table "write_requests" add "memory_ids" uuid[] not null default \'{}\'');
    this.addSql(`update write_requests set memory_ids = ${idsIn("response")} where response is not null`);
    this.addSql(
      "create index write_requests_memory_ids on write_requests using gin (memory_ids) with (fastupdate = off)",
    );
  }
}
