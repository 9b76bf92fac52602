import { v7 as uuidv7 } from "uuid";
import { mergeDrafts } from "./merge.js";
import type { MemoryRecord } from "../record.js";
import type { MemoryRepository } from "../memory.repository.js";
import { createdReason, mergeReason, nearDuplicateReason, type WriteResult } from "./result.js";
import { inLockOrder } from "./lock-identity.js";
import type { Decision } from "./plan.js";

const UPSERT_REASONS = {
  created: "no memory had this key",
  updated: "an active memory had this key; its fields were replaced",
  revived: "the memory with this key was deleted or expired; it is active again",
} as const;

/**
 * Performs a batch's decisions inside the caller's transaction, taking row locks in one global
 * order (keyed upserts by identity, then merges by target id) so that concurrent batches
 * cannot deadlock; new memories go in with one statement. Answers by item index.
 */
export async function applyPlan(
  memories: MemoryRepository,
  workspaceId: string,
  decisions: readonly Decision[],
  now: Date,
): Promise<Map<number, WriteResult>> {
  const results = new Map<number, WriteResult>();
  /** The latest state of every memory this batch has written, so that later merges build on it. */
  const latest = new Map<string, MemoryRecord>();
  const written = (index: number, result: WriteResult & { record: MemoryRecord }) => {
    results.set(index, result);
    latest.set(result.record.id, result.record);
  };
  const upserts = inLockOrder(
    workspaceId,
    decisions.flatMap((d) => (d.kind === "upsert" ? [{ ...d, draft: d.item.draft }] : [])),
  );
  for (const { item, note } of upserts) {
    const { record, outcome } = await memories.upsertByKey(workspaceId, uuidv7(), item.draft, item.embedded, now);
    written(item.index, { record, outcome, reason: UPSERT_REASONS[outcome], note });
  }
  const merges = decisions.flatMap((d) => (d.kind === "merge" ? [d] : []));
  merges.sort((a, b) => (a.target.id < b.target.id ? -1 : a.target.id > b.target.id ? 1 : 0));
  for (const { item, target, similarity, note } of merges) {
    const into = latest.get(target.id) ?? target;
    // A merge keeps the target's content, and so its vector.
    const record = await memories.replace(into, mergeDrafts(into, item.draft), null, now);
    const reason = similarity > 0 ? nearDuplicateReason(target.id, similarity) : mergeReason(target.id);
    written(item.index, { record, outcome: "merged", reason, note });
  }
  const creates = decisions.flatMap((d) => (d.kind === "create" ? [d] : []));
  const inserted = await memories.insertDrafts(
    workspaceId,
    creates.map(({ item }) => ({ id: uuidv7(), draft: item.draft, embedded: item.embedded })),
    now,
  );
  creates.forEach(({ item, note }, i) => {
    const record = inserted[i];
    if (record === undefined) throw new Error("fewer memories inserted than asked for");
    written(item.index, { record, outcome: "created", reason: createdReason(item.classification), note });
  });
  for (const decision of decisions) {
    if (decision.kind !== "repeat") continue;
    const first = results.get(decision.of.index)?.record;
    // Every repeat's content was written first in this batch.
    if (first === undefined || first === null) throw new Error("a repeated content has no first write");
    const into = latest.get(first.id) ?? first;
    const record = await memories.replace(into, mergeDrafts(into, decision.item.draft), null, now);
    written(decision.item.index, { record, outcome: "merged", reason: mergeReason(first.id), note: decision.note });
  }
  return results;
}
