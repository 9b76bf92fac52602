import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

/**
 * The `relation_tallies` table: how many memories of each reader class relate an entity to
 * another, by predicate (co_mentioned included), and some of them, newest first (decision 0029).
 * A relation is kept under each of its ends (`outward`: the row's entity is the subject), so a
 * graph step reads only the rows of its own entities. As entity_tallies (entity-tally.entity.ts):
 * timeless memories only, insert-only deltas from the names triggers (relation-trigger.ts),
 * summed by the folder; a delta lists the memories that now give the relation (memory_ids) and
 * those that no longer do (gone_ids), and for one memory the latest delta (by tally_id) decides.
 */
export const RelationTallyEntity = defineEntity({
  name: "RelationTally",
  tableName: "relation_tallies",
  properties: {
    // One entity's relations to one other, for one reader class, are one range of the key: for
    // the fold, and for reads of the relations among a graph's entities.
    workspaceId: p.text().primary(),
    type: p.text().primary(),
    id: p.text().primary(),
    // A reader class as entity_tallies' (tally-trigger.ts readerOf), or '*': every memory, what
    // an admin reads, kept beside the classes so that an admin's read is one class too.
    reader: p.text().primary(),
    otherId: p.text().primary(),
    tallyId: p.bigint("bigint").primary().autoincrement(),
    otherType: p.text(),
    predicate: p.text(),
    outward: p.boolean(),
    n: p.integer(),
    memoryIds: p.array().columnType("uuid[]"),
    // Each listed memory's update time, in step with memory_ids: lists of several rows merge by it.
    memoryTimes: p.array().columnType("timestamptz[]"),
    goneIds: p.array().columnType("uuid[]").defaultRaw("'{}'"),
    folded: p.boolean().default(false),
  },
  indexes: [
    // A graph step's strongest relations of an entity, without sorting all of a hub's (3,800
    // at 100k). On the entity as one array, so that only a query naming it so (strongest) uses
    // it: on the columns, the planner (whose estimates see every entity as small) took it for the
    // key's probes of a graph's relations too and read every row of each hub, 20-50x slower.
    {
      name: "relation_tallies_strongest",
      expression:
        "create index relation_tallies_strongest on relation_tallies (workspace_id, (array[type, id]), reader, n desc)",
    },
    {
      name: "relation_tallies_unfolded",
      expression:
        "create index relation_tallies_unfolded on relation_tallies (workspace_id, tally_id) where not folded",
    },
  ],
});

export type RelationTallyRow = InferEntity<typeof RelationTallyEntity>;
