import { Migration } from "@mikro-orm/migrations";

/**
 * Generated from the entities by npm run db:migration, the first since they became the schema's
 * one definition: the embedding status is checked like the visibility, and the confidence check
 * is restated in the form the schema diff reads back unchanged.
 */
export class Migration20261123164008EntityChecks extends Migration {
  override up(): void {
    this.addSql('alter table "memories" drop constraint "memories_confidence_check"');
    this.addSql(
      "alter table \"memories\" add constraint \"memories_embedding_status_check\" check (\"embedding_status\" in ('attached', 'pending', 'failed'))",
    );
    this.addSql(
      'alter table "memories" add constraint "memories_confidence_check" check (confidence >= 0::real and confidence <= 1::real)',
    );
  }
}
