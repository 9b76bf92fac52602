import { Migration } from "@mikro-orm/migrations";

/**
 * Secrets every server of a cluster shares (the page token signing key). Not workspace data:
 * on Citus this is a reference table, so it has no workspace_id.
 */
export class Migration20261122000000ServerSecrets extends Migration {
  override up(): void {
    this.addSql(`
      create table server_secrets (
        name text not null primary key,
        secret bytea not null,
        create_time timestamptz not null
      )`);
  }
}
