import type { Neighbour } from "./guard/write-guard.js";
import { judgeNeighbours, type GuardNote } from "./guard/write-guard.js";
import { keylessIdentity } from "../identity.js";
import type { MemoryRecord } from "../record.js";
import { ruledNote } from "./result.js";
import { namedSupersessions, type WriteItem } from "./item.js";

/** What the database said about a batch's memories, before any of its writes. */
export interface WriteFacts {
  /** The active keyless memory each keyless identity repeats (exactly), by identity. */
  repeated: ReadonlyMap<string, MemoryRecord>;
  /** The nearest active memories of each item's subject (none without a vector), by item index. */
  neighbours: ReadonlyMap<number, Neighbour[]>;
}

/** What one write does. */
export type Decision =
  /** Upsert on the natural key (created, updated or revived: the row decides). */
  | { kind: "upsert"; item: WriteItem; note: GuardNote }
  | { kind: "create"; item: WriteItem; note: GuardNote }
  /** Fold into an active memory: the same content, or a near duplicate (`similarity` > 0). */
  | { kind: "merge"; item: WriteItem; target: MemoryRecord; similarity: number; note: GuardNote }
  /** The same content as an earlier keyless write of the batch: fold into whatever it wrote. */
  | { kind: "repeat"; item: WriteItem; of: WriteItem; note: GuardNote };

/**
 * The one keyless decision, for a single write, a batch and a dry run alike: an exact repeat of
 * an active memory merges into it, then a near duplicate (the guard's judgement) merges, else
 * the write creates (also when the memory it would merge into is one it supersedes); keyed
 * writes upsert. Pure: the facts are read before, the decisions
 * applied (or, for a dry run, described) after.
 */
export function planWrites(items: readonly WriteItem[], facts: WriteFacts): Decision[] {
  const firstOf = new Map<string, WriteItem>();
  return items.map((item): Decision => {
    const neighbours = facts.neighbours.get(item.index) ?? [];
    if (item.draft.key !== null) {
      return { kind: "upsert", item, note: judgeNeighbours(item.draft, neighbours, null).note };
    }
    const identity = keylessIdentity(item.viewer.workspaceId, item.draft);
    const first = firstOf.get(identity);
    if (first !== undefined) return { kind: "repeat", item, of: first, note: ruledNote(item.classification) };
    firstOf.set(identity, item);
    // A write that supersedes a memory replaces it: it never merges into it.
    const replaces = (target: MemoryRecord) => namedSupersessions(item).includes(target.id);
    const repeated = facts.repeated.get(identity);
    if (repeated !== undefined && !replaces(repeated)) {
      return { kind: "merge", item, target: repeated, similarity: 0, note: ruledNote(item.classification) };
    }
    const { mergeInto, note } = judgeNeighbours(item.draft, neighbours, item.classification);
    if (mergeInto !== null && !replaces(mergeInto.record)) {
      return { kind: "merge", item, target: mergeInto.record, similarity: mergeInto.similarity, note };
    }
    return { kind: "create", item, note };
  });
}
