import { create } from "@bufbuild/protobuf";
import {
  WriteMemoryResponseSchema,
  WriteOutcome,
  type WriteMemoryResponse,
} from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { CERTAIN, withClassification, type GuardNote } from "./guard/write-guard.js";
import type { Classification } from "./guard/kind-classifier.js";
import { toProto } from "../mapper.js";
import type { MemoryRecord } from "../record.js";

/** What one write did (or, for validate_only, would do) and why, in the caller's words. */
export interface WriteResult {
  /** Null when the guard rejected the write. */
  record: MemoryRecord | null;
  outcome: "created" | "updated" | "revived" | "merged" | "rejected" | "unchanged";
  reason: string;
  note: GuardNote;
  /** The memories this write superseded. */
  superseded?: string[];
}

const OUTCOMES = {
  created: WriteOutcome.CREATED,
  updated: WriteOutcome.UPDATED,
  revived: WriteOutcome.REVIVED,
  merged: WriteOutcome.MERGED,
  rejected: WriteOutcome.REJECTED,
  unchanged: WriteOutcome.UNCHANGED,
} as const;

export function toWriteResponse(
  { record, outcome, reason, note, superseded = [] }: WriteResult,
  now: Date,
): WriteMemoryResponse {
  return create(WriteMemoryResponseSchema, {
    memory: record === null ? undefined : toProto(record, now),
    outcome: OUTCOMES[outcome],
    reason,
    guardConfidence: note.confidence,
    similarity: note.similarity,
    classifiedKind: note.classifiedKind,
    possibleConflicts: note.conflicts.map((n) => ({
      memory: toProto(n.record, now),
      similarity: n.similarity,
      contradicts: n.contradiction !== null,
      contradiction: n.contradiction ?? "",
    })),
    superseded,
  });
}

export function rejected(reason: string): WriteResult {
  return { record: null, outcome: "rejected", reason, note: CERTAIN };
}

/** The note of a decision made by rule (exact repeat, no vector to compare), with the classification it rests on. */
export function ruledNote(classification: Classification | null): GuardNote {
  return {
    ...CERTAIN,
    confidence: withClassification(1, classification),
    classifiedKind: classification?.kind ?? "",
  };
}

export function mergeReason(targetId: string): string {
  return `same content as active memory ${targetId}; merged into it`;
}

export function nearDuplicateReason(targetId: string, similarity: number): string {
  return `near duplicate of active memory ${targetId} (similarity ${similarity.toFixed(3)}); merged into it`;
}

/** The reason of a created memory, naming the classification when there was one. */
export function createdReason(classification: Classification | null): string {
  return classification === null ? "new memory" : `new memory; ${classification.reason}`;
}
