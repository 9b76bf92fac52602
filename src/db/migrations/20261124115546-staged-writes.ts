import { Migration } from "@mikro-orm/migrations";

/**
 * Generated from the entities by npm run db:migration: staged writes (StagedWriteService),
 * listed per workspace and agent newest first, purged by expiry.
 */
export class Migration20261124115546StagedWrites extends Migration {
  override up(): void {
    this.addSql(
      'create table "staged_writes" ("workspace_id" text not null, "id" uuid not null, "agent_id" text null, "staged_by_key_id" text not null, "state" text not null, "body" bytea not null, "create_time" timestamptz not null, "expire_time" timestamptz not null, "resolve_time" timestamptz null, primary key ("workspace_id", "id"))',
    );
    this.addSql('create index "staged_writes_listing" on "staged_writes" ("workspace_id", "agent_id", "id")');
    this.addSql('create index "staged_writes_purge" on "staged_writes" ("expire_time")');
    this.addSql(
      "alter table \"staged_writes\" add constraint \"staged_writes_state_check\" check (\"state\" in ('pending', 'applied', 'discarded'))",
    );
  }
}
