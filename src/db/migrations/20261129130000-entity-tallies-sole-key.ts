import { Migration } from "@mikro-orm/migrations";

/**
 * Entity tallies say whether the entity goes by one name_key (sole_key), so that ListEntities by
 * name sums the rows the name matched instead of probing every match's rows (decision 0029), and
 * an index finds an entity's unfolded rows (which make a reader probe it still). Today's folded
 * rows are marked here; the fold keeps the mark from now on.
 */
export class Migration20261129130000EntityTalliesSoleKey extends Migration {
  override up(): void {
    this.addSql('alter table "entity_tallies" add column "sole_key" boolean not null default false');
    this.addSql(
      "create index entity_tallies_unfolded_entity on entity_tallies (workspace_id, type, id) where not folded",
    );
    this.addSql(
      "update entity_tallies t set sole_key = true from (select workspace_id, type, id from (select workspace_id, type, id, name_key from entity_tallies where reader = '*' group by 1, 2, 3, 4 having sum(n) > 0) x group by 1, 2, 3 having count(*) = 1) k where t.folded and t.workspace_id = k.workspace_id and t.type = k.type and t.id = k.id",
    );
  }
}
