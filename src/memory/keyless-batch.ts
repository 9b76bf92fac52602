import { v7 as uuidv7 } from "uuid";
import type { WriteEmbedding } from "../embedding/embeddings.js";
import { mergeDrafts } from "./merge.js";
import type { MemoryDraft, MemoryRecord } from "./memory-record.js";
import { keylessIdentity, type MemoryRepository } from "./memory.repository.js";

export interface KeylessWrite {
  /** The item's place in its batch. */
  index: number;
  draft: MemoryDraft;
  embedded: WriteEmbedding;
}

export interface KeylessOutcome {
  record: MemoryRecord;
  /** Set when the write folded into an active memory with the same content. */
  mergedInto: string | null;
}

/**
 * The keyless writes of a batch, with the outcome each would have one by one, in a few
 * statements rather than several per item: one takes every merge lock, one finds the active
 * memories they repeat, one inserts all that are new. Merges, and repeats of a content
 * within the batch, are applied one at a time after that, in batch order.
 */
export async function writeKeylessTogether(
  memories: MemoryRepository,
  workspaceId: string,
  writes: KeylessWrite[],
  now: Date,
): Promise<Map<number, KeylessOutcome>> {
  const outcomes = new Map<number, KeylessOutcome>();
  const firsts: KeylessWrite[] = [];
  const repeats: KeylessWrite[] = [];
  const seen = new Set<string>();
  for (const write of writes) {
    const identity = keylessIdentity(workspaceId, write.draft);
    (seen.has(identity) ? repeats : firsts).push(write);
    seen.add(identity);
  }

  const targets = await memories.lockMergeTargets(
    workspaceId,
    firsts.map((w) => w.draft),
    now,
  );
  const latest = new Map<string, MemoryRecord>();
  const fresh: KeylessWrite[] = [];
  for (const [i, write] of firsts.entries()) {
    const target = targets[i];
    if (target === null || target === undefined) {
      fresh.push(write);
      continue;
    }
    // A merge keeps the target's content, and so its vector.
    const merged = await memories.replace(target, mergeDrafts(target, write.draft), null, now);
    outcomes.set(write.index, { record: merged, mergedInto: target.id });
    latest.set(keylessIdentity(workspaceId, write.draft), merged);
  }

  const created = await memories.insertMany(
    workspaceId,
    fresh.map((w) => ({ id: uuidv7(), draft: w.draft, embedded: w.embedded })),
    now,
  );
  fresh.forEach((write, i) => {
    const record = created[i]!;
    outcomes.set(write.index, { record, mergedInto: null });
    latest.set(keylessIdentity(workspaceId, write.draft), record);
  });

  for (const write of repeats) {
    const target = latest.get(keylessIdentity(workspaceId, write.draft))!;
    const merged = await memories.replace(target, mergeDrafts(target, write.draft), null, now);
    outcomes.set(write.index, { record: merged, mergedInto: target.id });
    latest.set(keylessIdentity(workspaceId, write.draft), merged);
  }
  return outcomes;
}
