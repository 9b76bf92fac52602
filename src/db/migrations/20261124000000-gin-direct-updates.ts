import { Migration } from "@mikro-orm/migrations";

const GIN_INDEXES = ["memories_search", "memories_tags", "memories_linked_entities"];

/**
 * Writes go straight into the GIN indexes: no pending list at all. Even at 256 kB, every
 * full-text, tag or entity search read the unmerged list in full, once per word counted and per
 * keyword tier: at 10k memories that was 6 ms of a 16 ms keyword search's SQL on PGlite (which
 * has no autovacuum to merge it) and 4 ms of 13 on Postgres. Writing each entry in place costs
 * ingest without an embedder 13-15% of its rate; searches outnumber writes. Turning the option off
 * leaves the entries already pending, so they are merged here.
 */
export class Migration20261124000000GinDirectUpdates extends Migration {
  override up(): void {
    for (const index of GIN_INDEXES) {
      this.addSql(`alter index ${index} set (fastupdate = off)`);
      this.addSql(`alter index ${index} reset (gin_pending_list_limit)`);
      this.addSql(`select gin_clean_pending_list('${index}'::regclass)`);
    }
  }
}
