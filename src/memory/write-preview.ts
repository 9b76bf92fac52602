import type { Viewer } from "../auth/principal.js";
import type { Classification } from "./guard/kind-classifier.js";
import { judgeNeighbours, type Neighbour } from "./guard/write-guard.js";
import { mergeDrafts } from "./merge.js";
import { stateOf, type MemoryDraft, type MemoryRecord } from "./memory-record.js";
import type { MemoryRepository } from "./memory.repository.js";
import { ruledNote, type WriteResult } from "./write-result.js";

/**
 * What a write would do, without writing (validate_only, and staged writes): the memory as it
 * would be stored, with the guard's verdict on the neighbours it has now.
 */
export async function previewWrite(
  memories: MemoryRepository,
  viewer: Viewer,
  draft: MemoryDraft,
  neighbours: Neighbour[],
  classification: Classification | null,
  now: Date,
): Promise<WriteResult> {
  const preview = (base: MemoryRecord | null, d: MemoryDraft): MemoryRecord => ({
    ...d,
    workspaceId: viewer.workspaceId,
    id: base?.id ?? "",
    forgetReason: null,
    embeddingModel: null,
    embeddingStatus: "pending",
    revision: (base?.revision ?? 0n) + 1n,
    createTime: base?.createTime ?? now,
    updateTime: now,
    deleteTime: null,
  });
  const { mergeInto, note } = judgeNeighbours(draft, neighbours, classification);
  if (draft.key !== null) {
    const existing = await memories.findByNaturalKey(viewer.workspaceId, draft);
    if (existing === null) {
      return { record: preview(null, draft), outcome: "created", reason: "validate_only: would create a memory", note };
    }
    const revive = stateOf(existing, now) !== "active";
    return {
      record: preview(existing, draft),
      outcome: revive ? "revived" : "updated",
      reason: `validate_only: would ${revive ? "revive" : "update"} memory ${existing.id}`,
      note,
    };
  }
  const target = await memories.lockMergeTarget(viewer.workspaceId, draft, now, false);
  if (target !== null) {
    return {
      record: preview(target, mergeDrafts(target, draft)),
      outcome: "merged",
      reason: `validate_only: would merge into memory ${target.id}`,
      note: ruledNote(classification),
    };
  }
  if (mergeInto !== null) {
    return {
      record: preview(mergeInto.record, mergeDrafts(mergeInto.record, draft)),
      outcome: "merged",
      reason: `validate_only: would merge into memory ${mergeInto.record.id} (near duplicate, similarity ${mergeInto.similarity.toFixed(3)})`,
      note,
    };
  }
  return { record: preview(null, draft), outcome: "created", reason: "validate_only: would create a memory", note };
}
