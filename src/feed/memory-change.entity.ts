import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

/**
 * The `memory_changes` table, the change log WatchMemories reads: one narrow row per revision,
 * written beside it by the revision triggers (src/memory/revision-triggers.ts). A row's
 * `position` is null until the sequencer (sequencer.ts) numbers it, after its transaction
 * committed: positions therefore follow commit order, which neither `id` (taken at insert) nor
 * any value the writer could choose does. The sweeper purges rows past the feed's retention.
 */
export const MemoryChangeEntity = defineEntity({
  name: "MemoryChange",
  tableName: "memory_changes",
  properties: {
    // Keyed within the workspace, the column a sharded deployment distributes by (docs/sharding.md).
    workspaceId: p.text().primary(),
    id: p.bigint("bigint").primary().autoincrement(),
    memoryId: p.uuid(),
    revision: p.bigint("bigint"),
    // When the change was logged (its transaction began), which retention counts from.
    logTime: p.datetime().defaultRaw("now()"),
    position: p.bigint("bigint").nullable(),
    // An erasure's tombstone (src/erasure/): the memory's id and nothing else of it, with the
    // owner and visibility it had, which decide who is told (revision 0: it has no revision).
    erased: p.boolean().default(false),
    agentId: p.text().nullable(),
    visibility: p.text().nullable(),
  },
  indexes: [
    {
      name: "memory_changes_position",
      expression: `create unique index memory_changes_position on memory_changes (workspace_id, position)
        where position is not null`,
    },
    // The sequencer's work list: committed rows it has not numbered yet, per workspace.
    { name: "memory_changes_unsequenced", properties: ["workspaceId", "id"], where: "position is null" },
    { name: "memory_changes_log_time", properties: ["logTime"] },
  ],
});

export type MemoryChangeRow = InferEntity<typeof MemoryChangeEntity>;

/**
 * `memory_feed_heads`: per workspace, the last position the sequencer gave and the last the
 * sweeper purged. A cursor below `purged_through` is older than the log: CURSOR_EXPIRED.
 */
export const FeedHeadEntity = defineEntity({
  name: "FeedHead",
  tableName: "memory_feed_heads",
  properties: {
    workspaceId: p.text().primary(),
    lastPosition: p.bigint("bigint").defaultRaw("0"),
    purgedThrough: p.bigint("bigint").defaultRaw("0"),
  },
});

export type FeedHeadRow = InferEntity<typeof FeedHeadEntity>;
