import type { Viewer } from "../../auth/principal.js";
import { mergeDrafts } from "./merge.js";
import { stateOf, type MemoryDraft, type MemoryRecord } from "../record.js";
import type { WriteResult } from "./result.js";
import type { Decision } from "./plan.js";

/**
 * What a dry run (validate_only, a staged write's preview) would do: the decision described,
 * with the memory as it would be stored. `atKey` is the memory at a keyed write's natural key.
 */
export function previewDecision(decision: Decision, atKey: MemoryRecord | null, now: Date): WriteResult {
  const { item, note } = decision;
  const preview = (base: MemoryRecord | null, draft: MemoryDraft) => previewRecord(item.viewer, base, draft, now);
  switch (decision.kind) {
    case "upsert": {
      if (atKey === null) {
        return { record: preview(null, item.draft), outcome: "created", reason: WOULD_CREATE, note };
      }
      const revive = stateOf(atKey, now) !== "active";
      return {
        record: preview(atKey, item.draft),
        outcome: revive ? "revived" : "updated",
        reason: `validate_only: would ${revive ? "revive" : "update"} memory ${atKey.id}`,
        note,
      };
    }
    case "merge": {
      const { target, similarity } = decision;
      const near = similarity > 0 ? ` (near duplicate, similarity ${similarity.toFixed(3)})` : "";
      return {
        record: preview(target, mergeDrafts(target, item.draft)),
        outcome: "merged",
        reason: `validate_only: would merge into memory ${target.id}${near}`,
        note,
      };
    }
    case "create":
    case "repeat":
      // A dry run writes nothing, so the batch's earlier writes are nothing to repeat.
      return { record: preview(null, item.draft), outcome: "created", reason: WOULD_CREATE, note };
  }
}

const WOULD_CREATE = "validate_only: would create a memory";

function previewRecord(viewer: Viewer, base: MemoryRecord | null, draft: MemoryDraft, now: Date): MemoryRecord {
  return {
    ...draft,
    workspaceId: viewer.workspaceId,
    id: base?.id ?? "",
    forgetReason: null,
    // Made when the memory is stored (src/graph/mention-trigger.ts): a preview shows none.
    mentions: [],
    embeddingModel: null,
    embeddingStatus: "pending",
    revision: (base?.revision ?? 0n) + 1n,
    createTime: base?.createTime ?? now,
    updateTime: now,
    deleteTime: null,
    supersededBy: null,
  };
}
