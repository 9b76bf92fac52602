import { Migration } from "@mikro-orm/migrations";

/**
 * An entity the workspace gave aliases or attributes but no name keeps none (entities.name is
 * null): UpdateEntity used to store the name its caller saw, which may come from memories only
 * that caller may read, for every reader to see.
 */
export class Migration20261129073000EntityNameOptional extends Migration {
  override up(): void {
    this.addSql('alter table "entities" alter column "name" drop not null');
  }
}
