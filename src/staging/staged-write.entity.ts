import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

/**
 * The `staged_writes` table: writes checked now and applied later. The writes, their preview
 * and their results are one engram.v1.StagedWrite message in `body`; the columns are what
 * visibility, listing and expiry query by. `agent_id` is the one agent every write acts as
 * (null when none, or several); `agent_ids` names every agent the writes act as, which is
 * what decides who may read it (staged-write.repository.ts).
 */
export const StagedWriteEntity = defineEntity({
  name: "StagedWrite",
  tableName: "staged_writes",
  properties: {
    workspaceId: p.text().primary(),
    id: p.uuid().primary(),
    agentId: p.text().nullable(),
    agentIds: p.array().defaultRaw("'{}'"),
    stagedByKeyId: p.text(),
    state: p.enum(["pending", "applied", "discarded"] as const),
    body: p.blob(),
    // The memory ids `body` names (uuidsIn), which an erasure finds it by.
    memoryIds: p.array().columnType("uuid[]").defaultRaw("'{}'"),
    // The body's stored length, read only when asked for (listing bounds a page by it): counted
    // from the stored value's header, without reading the body.
    bodyBytes: p
      .integer()
      .formula((_columns, table) => `octet_length(${table.alias}.body)`)
      .lazy(),
    createTime: p.datetime(),
    expireTime: p.datetime(),
    resolveTime: p.datetime().nullable(),
  },
  indexes: [
    { name: "staged_writes_listing", properties: ["workspaceId", "agentId", "id"] },
    { name: "staged_writes_purge", properties: ["expireTime"] },
    {
      name: "staged_writes_memory_ids",
      expression:
        "create index staged_writes_memory_ids on staged_writes using gin (memory_ids) with (fastupdate = off)",
    },
  ],
});

export type StagedWriteRow = InferEntity<typeof StagedWriteEntity>;

/** A staged write as the service builds it: the repository derives `memoryIds` from its body. */
export type StagedWriteDraft = Omit<StagedWriteRow, "memoryIds" | "bodyBytes">;
