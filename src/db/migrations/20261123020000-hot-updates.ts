import { Migration } from "@mikro-orm/migrations";

/**
 * Leaves room on each page of memories, so that a keyed write that changes no indexed column
 * (same content, same vector, no TTL: an agent re-confirming what it knows) is a heap-only
 * update: no new entry in any of the table's indexes, the HNSW graph above all. Pages written
 * before this keep their layout until they are rewritten.
 */
export class Migration20261123020000HotUpdates extends Migration {
  override up(): void {
    this.addSql(`alter table memories set (fillfactor = 85)`);
  }
}
