import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

/**
 * The `entity_tallies` table: how many memories each reader class may read mention an entity
 * under a name, with the first created and last updated of them (decision 0029). Only memories
 * whose standing cannot change with the clock are tallied ("timeless": active, with no expiry,
 * no end of validity and no start after their creation); the others are counted from their
 * entity_names rows when read. A reader class is '' for memories every key of the workspace
 * may read (shared, or with no owner), the owner agent's class for the others (privateClass), and
 * '*' for every memory (what an admin reads).
 *
 * Writes only ever insert: the names triggers add one delta row per statement and key (n is +,
 * - or 0 for a memory that stays but changed), so no two writes wait on one row. The folder
 * (tally-folder.ts) later replaces a key's rows by their sum. A row removing memories keeps the
 * extreme times of what it removed (gone_first, gone_last): while one is pending, a reader that
 * cannot tell whether the times it sums are still true reads that entity's rows instead.
 */
export const EntityTallyEntity = defineEntity({
  name: "EntityTally",
  tableName: "entity_tallies",
  properties: {
    // Keyed by entity first: an entity's rows, for every reader class, are one range of the key.
    workspaceId: p.text().primary(),
    type: p.text().primary(),
    id: p.text().primary(),
    reader: p.text().primary(),
    tallyId: p.bigint("bigint").primary().autoincrement(),
    name: p.text(),
    nameKey: p.text(),
    n: p.integer(),
    firstSeen: p.datetime().nullable(),
    lastSeen: p.datetime().nullable(),
    goneFirst: p.datetime().nullable(),
    goneLast: p.datetime().nullable(),
    folded: p.boolean().default(false),
    // On a folded row: every memory mentioning the entity named it by one name_key when a fold
    // last summed its rows, so a name's rows are all the entity's (a name lookup needs no other).
    soleKey: p.boolean().default(false),
  },
  indexes: [
    {
      name: "entity_tallies_name_key",
      // By class first: an admin's prefix reads only its own class's names ('*'), an agent's two.
      expression:
        "create index entity_tallies_name_key on entity_tallies (workspace_id, reader, name_key text_pattern_ops, type, id)",
    },
    {
      name: "entity_tallies_unfolded",
      expression: "create index entity_tallies_unfolded on entity_tallies (workspace_id, tally_id) where not folded",
    },
    // Whether an entity has rows no fold has summed yet (its sole_key may be out of date).
    {
      name: "entity_tallies_unfolded_entity",
      expression:
        "create index entity_tallies_unfolded_entity on entity_tallies (workspace_id, type, id) where not folded",
    },
  ],
});

export type EntityTallyRow = InferEntity<typeof EntityTallyEntity>;
