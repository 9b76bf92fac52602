import { Migration } from "@mikro-orm/migrations";

/**
 * Finds stored vectors by content within a workspace, so a write of content the workspace
 * already holds (an unchanged keyed write, a repeat) reuses its vector instead of embedding it.
 */
export class Migration20261123000000ContentLookup extends Migration {
  override up(): void {
    this.addSql(`create index memories_content_lookup on memories (workspace_id, content_fingerprint)`);
  }
}
