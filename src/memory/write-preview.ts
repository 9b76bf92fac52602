import type { Viewer } from "../auth/principal.js";
import { mergeDrafts } from "./merge.js";
import { stateOf, type MemoryDraft, type MemoryRecord } from "./memory-record.js";
import type { MemoryRepository } from "./memory.repository.js";
import type { WriteResult } from "./write-result.js";

/** What a write would do, without writing (validate_only): the memory as it would be stored. */
export async function previewWrite(
  memories: MemoryRepository,
  viewer: Viewer,
  draft: MemoryDraft,
  now: Date,
): Promise<WriteResult> {
  const preview = (base: MemoryRecord | null, d: MemoryDraft): MemoryRecord => ({
    ...d,
    workspaceId: viewer.workspaceId,
    id: base?.id ?? "",
    forgetReason: null,
    embeddingModel: null,
    embeddingStatus: "pending",
    revision: (base?.revision ?? 0) + 1,
    createTime: base?.createTime ?? now,
    updateTime: now,
    deleteTime: null,
  });
  if (draft.key !== null) {
    const existing = await memories.findByNaturalKey(viewer.workspaceId, draft);
    if (existing === null) {
      return { record: preview(null, draft), outcome: "created", reason: "validate_only: would create a memory" };
    }
    const revive = stateOf(existing, now) !== "active";
    return {
      record: preview(existing, draft),
      outcome: revive ? "revived" : "updated",
      reason: `validate_only: would ${revive ? "revive" : "update"} memory ${existing.id}`,
    };
  }
  const target = await memories.lockMergeTarget(viewer.workspaceId, draft, now, false);
  if (target !== null) {
    return {
      record: preview(target, mergeDrafts(target, draft)),
      outcome: "merged",
      reason: `validate_only: would merge into memory ${target.id}`,
    };
  }
  return { record: preview(null, draft), outcome: "created", reason: "validate_only: would create a memory" };
}
