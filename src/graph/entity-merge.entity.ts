import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

/**
 * The `entity_merges` table: each MergeEntities, kept after it is undone (undo_time set), so a
 * graph read as of a past time applies the merges in force then. The mentions_on_write trigger
 * maps every mention through the merges in force (merge-routines.ts); at most one merge of an
 * entity is in force at a time.
 */
export const EntityMergeEntity = defineEntity({
  name: "EntityMerge",
  tableName: "entity_merges",
  properties: {
    // Keyed within the workspace, the column a sharded deployment distributes by (docs/sharding.md).
    workspaceId: p.text().primary(),
    id: p.uuid().primary(),
    fromType: p.text(),
    fromId: p.text(),
    intoType: p.text(),
    intoId: p.text(),
    createTime: p.datetime(),
    undoTime: p.datetime().nullable(),
  },
  indexes: [
    {
      name: "entity_merges_from",
      expression: "create index entity_merges_from on entity_merges (workspace_id, from_type, from_id)",
    },
    {
      name: "entity_merges_in_force",
      expression:
        "create unique index entity_merges_in_force on entity_merges (workspace_id, from_type, from_id) where undo_time is null",
    },
  ],
});

export type EntityMergeRow = InferEntity<typeof EntityMergeEntity>;
