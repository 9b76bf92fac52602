import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

/**
 * The `memory_revisions` table: one immutable row per change of a memory, written in the
 * change's own transaction by the `memories_revision` triggers (see the memory-revisions
 * migration), so that no way of changing a memory can skip it. `memory` is the row as the
 * change left it, minus its vector and search index, keyed by column name: jsonb_populate_record
 * reads it back as a `memories` row, which every memory query can then filter and map.
 */
export const MemoryRevisionEntity = defineEntity({
  name: "MemoryRevision",
  tableName: "memory_revisions",
  properties: {
    workspaceId: p.text().primary(),
    memoryId: p.uuid().primary(),
    revision: p.bigint("bigint").primary(),
    change: p.text(),
    changeTime: p.datetime(),
    keyId: p.text().nullable(),
    agentId: p.text().nullable(),
    reason: p.text().nullable(),
    memory: p.json<Record<string, unknown>>(),
  },
});

export type MemoryRevisionRow = InferEntity<typeof MemoryRevisionEntity>;
