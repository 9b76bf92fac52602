import { Migration } from "@mikro-orm/migrations";

/**
 * Keeps the GIN indexes' pending lists short. New entries wait in an unsorted list that every
 * full-text or tag search reads in full until it is merged, and on PGlite only a full list
 * (4 MB by default, some 13,000 memories) merges it: with no autovacuum, a search there
 * scanned that list each time (7 ms of a 1 ms query at 10k memories) and the planner, costing
 * it, fell back to reading the whole table. At 256 kB a write merges a few hundred rows'
 * entries now and then instead.
 */
export class Migration20261123030000GinPendingLists extends Migration {
  override up(): void {
    for (const index of ["memories_search", "memories_tags", "memories_linked_entities"]) {
      this.addSql(`alter index ${index} set (gin_pending_list_limit = 256)`);
    }
  }
}
