import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import { BOUNDED } from "./tallies/tally-trigger.js";

/**
 * The `entity_names` table: each entity a memory mentions, under the name it goes by there (the
 * text of a content mention, else its id), one row per memory and entity, written by the
 * names_on_* triggers (mention-trigger.ts) whenever a memory's mentions or the columns below
 * change, and removed
 * with the memory. It is how entities are found by name (ListEntities' prefix and words, a
 * content name matched to an entity already named so), and, keyed by memory, no two writes
 * ever contend for a row: a table of one row per entity, made by every write, deadlocked
 * concurrent batches that named the same entities in different orders.
 *
 * Each row also carries the memory's columns that decide who may read it and whether it is in
 * force now (owner, visibility, deletion, expiry, supersession, validity) and its times, under
 * the memories' own names, so the read filters apply to it as they are: an entity's count and
 * times are read from its rows alone, not from every memory that mentions it (decision 0024).
 */
export const EntityNameEntity = defineEntity({
  name: "EntityName",
  tableName: "entity_names",
  properties: {
    // Keyed by entity first: the names an entity goes by are one range of the key.
    workspaceId: p.text().primary(),
    type: p.text().primary(),
    id: p.text().primary(),
    memoryId: p.uuid().primary(),
    name: p.text(),
    // The name in lower case with single spaces: what prefixes and content names are matched against.
    nameKey: p.text(),
    // The memory's, kept equal by the triggers (MIRRORED_COLUMNS in mention-trigger.ts).
    agentId: p.text().nullable(),
    visibility: p.text(),
    createTime: p.datetime(),
    updateTime: p.datetime(),
    deleteTime: p.datetime().nullable(),
    expireTime: p.datetime().nullable(),
    validFrom: p.datetime().nullable(),
    validUntil: p.datetime().nullable(),
    supersededBy: p.uuid().nullable(),
  },
  indexes: [
    {
      name: "entity_names_key",
      expression: "create index entity_names_key on entity_names (workspace_id, name_key text_pattern_ops, type, id)",
    },
    // The rows the tallies leave to be counted when read (tally-trigger.ts BOUNDED): few, so small.
    {
      name: "entity_names_bounded",
      expression: `create index entity_names_bounded on entity_names (workspace_id, type, id) where ${BOUNDED}`,
    },
    {
      name: "entity_names_bounded_key",
      expression: `create index entity_names_bounded_key on entity_names (workspace_id, name_key text_pattern_ops) where ${BOUNDED}`,
    },
  ],
});

export type EntityNameRow = InferEntity<typeof EntityNameEntity>;
