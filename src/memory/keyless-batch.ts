import { TransactionPropagation } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/sql";
import { v7 as uuidv7 } from "uuid";
import type { WriteMemoryRequest, WriteMemoryResponse } from "../../gen/ts/engram/v1/memory_service_pb.js";
import type { Viewer } from "../auth/principal.js";
import type { WriteEmbedding } from "../embedding/embeddings.js";
import type { Classification } from "./guard/kind-classifier.js";
import { judgeNeighbours, vectorOf, type WriteGuard } from "./guard/write-guard.js";
import { toDraft } from "./memory-mapper.js";
import { mergeDrafts } from "./merge.js";
import type { MemoryDraft, MemoryRecord } from "./memory-record.js";
import { keylessIdentity } from "./memory-identity.js";
import type { MemoryRepository } from "./memory.repository.js";
import type { NeighbourRepository } from "./neighbour.repository.js";
import {
  createdReason,
  mergeReason,
  nearDuplicateReason,
  rejected,
  ruledNote,
  toWriteResponse,
  type WriteResult,
} from "./write-result.js";

export interface KeylessWrite {
  /** The item's place in its batch. */
  index: number;
  draft: MemoryDraft;
  classification: Classification | null;
  embedded: WriteEmbedding;
}

export interface KeylessBatchDeps {
  memories: (em: EntityManager) => MemoryRepository;
  neighbours: (em: EntityManager) => NeighbourRepository;
  guard: WriteGuard;
}

/**
 * The plain keyless writes of a non-atomic batch (no key, request_id or validate_only),
 * guarded and written together under a savepoint. Anything unusual (an item that fails its
 * checks, a database error) leaves items to the one-by-one path, which reports each failure alone.
 */
export async function writePlainBatchItems(
  tem: EntityManager,
  deps: KeylessBatchDeps,
  requests: WriteMemoryRequest[],
  viewerOf: (r: WriteMemoryRequest) => Viewer,
  embedded: WriteEmbedding[],
  now: Date,
): Promise<Map<number, WriteMemoryResponse>> {
  const answers = new Map<number, WriteMemoryResponse>();
  const writes: KeylessWrite[] = [];
  let viewer: Viewer | null = null;
  for (const [index, r] of requests.entries()) {
    if (r.validateOnly || r.requestId !== "" || r.memory === undefined || r.memory.key !== "") continue;
    try {
      const itemViewer = viewerOf(r);
      const admission = await deps.guard.admit(
        toDraft(r.memory, itemViewer.agentId, { ttl: r.ttl, now }, ""),
        embedded[index] ?? null,
        "",
      );
      if ("rejected" in admission) {
        answers.set(index, toWriteResponse(rejected(admission.rejected), now));
        continue;
      }
      viewer = itemViewer;
      writes.push({ index, ...admission, embedded: embedded[index] ?? null });
    } catch {
      // Left to the one-by-one path, which reports it with its field path.
    }
  }
  if (writes.length < 2 || viewer === null) return answers;
  const { workspaceId, admin } = viewer;
  try {
    const outcomes = await tem.transactional(
      (sem) => writeKeylessTogether(deps.memories(sem), deps.neighbours(sem), { workspaceId, admin }, writes, now),
      { propagation: TransactionPropagation.NESTED },
    );
    for (const [index, result] of outcomes) answers.set(index, toWriteResponse(result, now));
    return answers;
  } catch {
    return new Map([...answers].filter(([index]) => !writes.some((w) => w.index === index)));
  }
}

/**
 * The keyless writes of a batch, with the outcome each would have one by one, in a few
 * statements rather than several per item: one takes every merge lock, one finds the active
 * memories they repeat, one finds the nearest memories of the rest, one inserts all that are
 * new. Merges, and repeats of a content within the batch, are applied one at a time after
 * that, in batch order. Near duplicates within the batch itself are not looked for.
 */
export async function writeKeylessTogether(
  memories: MemoryRepository,
  neighbours: NeighbourRepository,
  scope: { workspaceId: string; admin: boolean },
  writes: KeylessWrite[],
  now: Date,
): Promise<Map<number, WriteResult>> {
  const { workspaceId } = scope;
  const outcomes = new Map<number, WriteResult>();
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
  const merge = async (write: KeylessWrite, target: MemoryRecord, result: Omit<WriteResult, "record" | "outcome">) => {
    // A merge keeps the target's content, and so its vector.
    const merged = await memories.replace(target, mergeDrafts(target, write.draft), null, now);
    outcomes.set(write.index, { ...result, record: merged, outcome: "merged" });
    latest.set(keylessIdentity(workspaceId, write.draft), merged);
  };
  const unmatched: KeylessWrite[] = [];
  for (const [i, write] of firsts.entries()) {
    const target = targets[i];
    if (target === null || target === undefined) unmatched.push(write);
    else await merge(write, target, { reason: mergeReason(target.id), note: ruledNote(write.classification) });
  }

  const probed = unmatched.flatMap((write) => {
    const vector = vectorOf(write.embedded);
    return vector === null ? [] : [{ write, vector }];
  });
  const model = probed[0]?.vector.model;
  const near =
    model === undefined
      ? []
      : await neighbours.nearest(
          workspaceId,
          scope.admin,
          probed.map(({ write, vector }) => ({ ...write.draft, vector: vector.vector })),
          model,
          now,
        );
  const fresh: { write: KeylessWrite; result: Omit<WriteResult, "record"> }[] = [];
  for (const write of unmatched) {
    const at = probed.findIndex((p) => p.write === write);
    const { mergeInto, note } = judgeNeighbours(write.draft, at < 0 ? [] : (near[at] ?? []), write.classification);
    if (mergeInto !== null) {
      await merge(write, mergeInto.record, {
        reason: nearDuplicateReason(mergeInto.record.id, mergeInto.similarity),
        note,
      });
    } else {
      fresh.push({ write, result: { outcome: "created", reason: createdReason(write.classification), note } });
    }
  }

  const created = await memories.insertDrafts(
    workspaceId,
    fresh.map(({ write }) => ({ id: uuidv7(), draft: write.draft, embedded: write.embedded })),
    now,
  );
  fresh.forEach(({ write, result }, i) => {
    const record = created[i];
    if (record === undefined) throw new Error("fewer memories inserted than asked for");
    outcomes.set(write.index, { ...result, record });
    latest.set(keylessIdentity(workspaceId, write.draft), record);
  });

  for (const write of repeats) {
    const target = latest.get(keylessIdentity(workspaceId, write.draft));
    // Every repeat's content was written first in this batch.
    if (target === undefined) throw new Error("a repeated content has no first write");
    await merge(write, target, { reason: mergeReason(target.id), note: ruledNote(write.classification) });
  }
  return outcomes;
}
