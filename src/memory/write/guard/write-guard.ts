import type { Embedded, WriteEmbedding } from "../../../embedding/embeddings.js";
import { invalidArgument } from "../../../errors/domain-error.js";
import type { MemoryDraft, MemoryRecord } from "../../record.js";
import type { Classification, KindClassifier } from "./kind-classifier.js";
import { contradictionOf } from "./contradiction.js";
import { numbersOf } from "./numbers.js";
import { lowInformationReason } from "./low-information.js";

/**
 * A keyless write whose vector is at least this similar (cosine) to an active memory of the
 * same agent, subject and kind is a near duplicate, merged into it. Measured by
 * bench/guard.ts on the LoCoMo observations (all distinct facts): at 0.93, 0.4% of them would
 * have merged into an earlier one of the same speaker; see bench/README.md.
 */
export const MERGE_SIMILARITY = 0.93;

/** Memories of the same subject at least this similar, but not merged, are listed as possible conflicts. */
export const CONFLICT_SIMILARITY = 0.6;

export const MAX_CONFLICTS = 3;

/** An active memory near a written one, with the cosine similarity of their vectors. */
export interface Neighbour {
  record: MemoryRecord;
  similarity: number;
}

/** What the guard adds to a write's answer. */
export interface GuardNote {
  /** 0..1; see WriteMemoryResponse.guard_confidence. */
  confidence: number;
  /** The near duplicate's similarity, when the write merged into one. */
  similarity: number;
  /** The kind the guard chose, when the request gave none. */
  classifiedKind: string;
  conflicts: Conflict[];
}

/** A possible conflict: a neighbour, and why it contradicts the write, when the guard judges it does. */
export interface Conflict extends Neighbour {
  contradiction: string | null;
}

/** A write the guard refused (nothing is written), or the draft to write, its kind settled. */
export type Admission = { rejected: string } | { draft: MemoryDraft; classification: Classification | null };

/** A rule decided the outcome (a key, the same content, a rejection): no similarity involved. */
export const CERTAIN: GuardNote = { confidence: 1, similarity: 0, classifiedKind: "", conflicts: [] };

/**
 * The write guard, which needs no language model: it refuses contents without information,
 * classifies a missing kind by the nearest labelled example, and (with judgeNeighbours) tells
 * near duplicates, which merge, from possible conflicts, which are listed and left alone.
 */
export class WriteGuard {
  constructor(private readonly classifier: KindClassifier) {}

  async admit(draft: MemoryDraft, embedded: WriteEmbedding, field: string): Promise<Admission> {
    const rejected = lowInformationReason(draft.content);
    if (rejected !== null) return { rejected };
    if (draft.kind !== "") return { draft, classification: null };
    if (draft.key !== null) {
      throw invalidArgument(
        `${field}.kind`,
        "KIND_REQUIRED",
        "memory.kind is required with a key: the natural key includes it",
      );
    }
    const classification = await this.classifier.classify(vectorOf(embedded));
    return { draft: { ...draft, kind: classification.kind }, classification };
  }
}

/** The vector a write already has, if it has one. */
export function vectorOf(embedded: WriteEmbedding): Embedded | null {
  return embedded !== null && "vector" in embedded ? embedded : null;
}

/**
 * Among a draft's neighbours (same subject, nearest first), the near duplicate a keyless
 * draft merges into, and the possible conflicts: the others at CONFLICT_SIMILARITY or more,
 * leaving out the memory the write itself replaces (same agent, subject, kind and key).
 */
export function judgeNeighbours(
  draft: MemoryDraft,
  neighbours: Neighbour[],
  classification: Classification | null,
): { mergeInto: Neighbour | null; note: GuardNote } {
  const mergeable = (n: Neighbour) => draft.key === null && n.record.key === null && sameIdentity(draft, n.record);
  const candidate = neighbours.find(mergeable) ?? null;
  const mergeInto =
    candidate !== null && isNearDuplicate(draft.content, candidate.record.content, candidate.similarity)
      ? candidate
      : null;
  const conflicts = neighbours
    .filter((n) => n !== mergeInto && n.similarity >= CONFLICT_SIMILARITY && !isItself(draft, n.record))
    .slice(0, MAX_CONFLICTS)
    .map((n) => ({
      ...n,
      contradiction: sameIdentity(draft, n.record)
        ? contradictionOf(draft.content, n.record.content, n.similarity)
        : null,
    }));
  const decided =
    draft.key !== null
      ? 1
      : mergeInto !== null
        ? 0.5 + (0.5 * (mergeInto.similarity - MERGE_SIMILARITY)) / (1 - MERGE_SIMILARITY)
        : 0.5 + (0.5 * (MERGE_SIMILARITY - Math.max(0, candidate?.similarity ?? 0))) / MERGE_SIMILARITY;
  return {
    mergeInto,
    note: {
      confidence: withClassification(decided, classification),
      similarity: mergeInto?.similarity ?? 0,
      classifiedKind: classification?.kind ?? "",
      conflicts,
    },
  };
}

/**
 * Whether a content is a near duplicate of another at this similarity: at least
 * MERGE_SIMILARITY, and the same numbers. A changed number ("34 years old", "35 years old")
 * is an update the agent should see as a conflict, however similar the sentences are.
 */
export function isNearDuplicate(content: string, other: string, similarity: number): boolean {
  return similarity >= MERGE_SIMILARITY && sameNumbers(content, other);
}

export function sameNumbers(content: string, other: string): boolean {
  return numbersOf(content) === numbersOf(other);
}

/** A decision's confidence, lowered when it rests on a classified kind: halfway to the classification's confidence. */
export function withClassification(confidence: number, classification: Classification | null): number {
  return classification === null ? confidence : confidence * (0.5 + 0.5 * classification.confidence);
}

function sameIdentity(d: MemoryDraft, r: MemoryRecord): boolean {
  return d.agentId === r.agentId && d.subjectType === r.subjectType && d.subjectId === r.subjectId && d.kind === r.kind;
}

function isItself(d: MemoryDraft, r: MemoryRecord): boolean {
  return d.key !== null && d.key === r.key && sameIdentity(d, r);
}
