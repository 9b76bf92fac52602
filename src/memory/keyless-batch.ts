import { TransactionPropagation } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/sql";
import { v7 as uuidv7 } from "uuid";
import type { WriteMemoryRequest, WriteMemoryResponse } from "../../gen/ts/engram/v1/memory_service_pb.js";
import type { Viewer } from "../auth/principal.js";
import type { WriteEmbedding } from "../embedding/embeddings.js";
import { toDraft } from "./memory-mapper.js";
import { mergeDrafts } from "./merge.js";
import type { MemoryDraft, MemoryRecord } from "./memory-record.js";
import { keylessIdentity } from "./memory-identity.js";
import type { MemoryRepository } from "./memory.repository.js";
import { mergeReason, toWriteResponse } from "./write-result.js";

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
 * The plain keyless writes of a non-atomic batch (no key, request_id or validate_only),
 * written together under a savepoint. Anything unusual (an item that fails its checks, a
 * database error) leaves items to the one-by-one path, which reports each failure alone.
 */
export async function writePlainBatchItems(
  tem: EntityManager,
  memories: (em: EntityManager) => MemoryRepository,
  requests: WriteMemoryRequest[],
  viewerOf: (r: WriteMemoryRequest) => Viewer,
  embedded: WriteEmbedding[],
  now: Date,
): Promise<Map<number, WriteMemoryResponse>> {
  const writes: KeylessWrite[] = [];
  let workspaceId = "";
  for (const [index, r] of requests.entries()) {
    if (r.validateOnly || r.requestId !== "" || r.memory === undefined || r.memory.key !== "") continue;
    try {
      const viewer = viewerOf(r);
      workspaceId = viewer.workspaceId;
      writes.push({
        index,
        draft: toDraft(r.memory, viewer.agentId, { ttl: r.ttl, now }, ""),
        embedded: embedded[index] ?? null,
      });
    } catch {
      // Left to the one-by-one path, which reports it with its field path.
    }
  }
  if (writes.length < 2) return new Map();
  try {
    const outcomes = await tem.transactional((sem) => writeKeylessTogether(memories(sem), workspaceId, writes, now), {
      propagation: TransactionPropagation.NESTED,
    });
    return new Map(
      [...outcomes].map(([index, { record, mergedInto }]) => [
        index,
        toWriteResponse(
          mergedInto === null
            ? { record, outcome: "created", reason: "new memory" }
            : { record, outcome: "merged", reason: mergeReason(mergedInto) },
          now,
        ),
      ]),
    );
  } catch {
    return new Map();
  }
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

  const created = await memories.insertDrafts(
    workspaceId,
    fresh.map((w) => ({ id: uuidv7(), draft: w.draft, embedded: w.embedded })),
    now,
  );
  fresh.forEach((write, i) => {
    const record = created[i];
    if (record === undefined) throw new Error("fewer memories inserted than asked for");
    outcomes.set(write.index, { record, mergedInto: null });
    latest.set(keylessIdentity(workspaceId, write.draft), record);
  });

  for (const write of repeats) {
    const target = latest.get(keylessIdentity(workspaceId, write.draft));
    // Every repeat's content was written first in this batch.
    if (target === undefined) throw new Error("a repeated content has no first write");
    const merged = await memories.replace(target, mergeDrafts(target, write.draft), null, now);
    outcomes.set(write.index, { record: merged, mergedInto: target.id });
    latest.set(keylessIdentity(workspaceId, write.draft), merged);
  }
  return outcomes;
}
