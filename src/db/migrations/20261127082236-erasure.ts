import { Migration } from "@mikro-orm/migrations";

/**
 * EraseMemories (src/erasure/): receipts of erasures, kept for good, and change-log tombstones,
 * a row per erased memory with nothing of it but its id and the owner and visibility that decide
 * which watchers are told.
 */
export class Migration20261127082236Erasure extends Migration {
  override up(): void {
    this.addSql(
      'create table "erasure_receipts" ("workspace_id" text not null, "id" uuid not null, "time" timestamptz not null, "key_id" text not null, "agent_id" text null, "body" bytea not null, primary key ("workspace_id", "id"))',
    );
    this.addSql('create index "erasure_receipts_time" on "erasure_receipts" ("workspace_id", "time", "id")');
    this.addSql(
      'alter table "memory_changes" add "erased" boolean not null default false, add "agent_id" text null, add "visibility" text null',
    );
  }
}
