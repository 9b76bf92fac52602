import type { EntityRefRow, MentionRow, RelationRow } from "./memory.entity.js";

export type VisibilityValue = "private" | "shared";
export type EmbeddingStatusValue = "attached" | "pending" | "failed";

/** The writable fields of a memory, already validated and normalised. */
export interface MemoryDraft {
  agentId: string | null;
  subjectType: string;
  subjectId: string | null;
  kind: string;
  key: string | null;
  content: string;
  title: string;
  visibility: VisibilityValue;
  metadata: Record<string, unknown>;
  tags: string[];
  linkedEntities: EntityRefRow[];
  /** Facts the memory states. */
  relations: RelationRow[];
  confidence: number;
  sourceKind: string | null;
  sourceId: string | null;
  provenance: string | null;
  parentMemoryId: string | null;
  expireTime: Date | null;
  /** When the fact starts to hold; null: from create time. */
  validFrom: Date | null;
  validUntil: Date | null;
}

/** A stored memory as the service sees it. */
export interface MemoryRecord extends MemoryDraft {
  workspaceId: string;
  id: string;
  forgetReason: string | null;
  /** Every entity it mentions, as the mentions trigger left them (src/graph/mention-trigger.ts). */
  mentions: MentionRow[];
  embeddingModel: string | null;
  embeddingStatus: EmbeddingStatusValue;
  /** A 64-bit integer, kept exact (a number would round past 2^53). */
  revision: bigint;
  createTime: Date;
  updateTime: Date;
  deleteTime: Date | null;
  /**
   * The memory that superseded this one, while it is superseded; UNNAMED_SUCCESSOR (successors.ts)
   * in what a viewer that may not read that memory is shown.
   */
  supersededBy: string | null;
}

export type MemoryState = "active" | "expired" | "deleted" | "superseded";

export function stateOf(memory: MemoryRecord, now: Date): MemoryState {
  if (memory.deleteTime !== null) return "deleted";
  if (memory.supersededBy !== null) return "superseded";
  if (memory.expireTime !== null && memory.expireTime <= now) return "expired";
  return "active";
}

/** Two contents are the same memory when they differ only in case and white space. */
export function normaliseContent(content: string): string {
  return content.normalize("NFKC").trim().replace(/\s+/g, " ").toLowerCase();
}
