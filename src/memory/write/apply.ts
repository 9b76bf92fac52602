import { v7 as uuidv7 } from "uuid";
import { changeBy, type Change } from "../change.js";
import { mergeDrafts } from "./merge.js";
import type { MemoryRecord } from "../record.js";
import type { MemoryRepository } from "../memory.repository.js";
import type { SupersessionRepository } from "./supersession.repository.js";
import { createdReason, mergeReason, nearDuplicateReason, type WriteResult } from "./result.js";
import { inLockOrder } from "./lock-identity.js";
import type { Decision } from "./plan.js";
import type { WriteItem } from "./item.js";
import { supersede, supersessionTargets } from "./supersession.js";

const UPSERT_REASONS = {
  created: "no memory had this key",
  updated: "an active memory had this key; its fields were replaced",
  revived: "the memory with this key was deleted, expired or superseded; it is active again",
  unchanged: "an active memory had this key and these fields already; nothing was written",
} as const;

/**
 * Performs a batch's decisions inside the caller's transaction, taking row locks in one global
 * order (keyed upserts by identity, then merges by target id) so that concurrent batches
 * cannot deadlock; new memories go in with one statement; supersessions come last, once each
 * write's memory exists. Answers by item index.
 */
export async function applyPlan(
  { memories, supersessions }: { memories: MemoryRepository; supersessions: SupersessionRepository },
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
  /** A merge into `into`, which writes nothing when it would change nothing. */
  const merge = async (item: WriteItem, into: MemoryRecord, reason: string) =>
    (await memories.replace({
      target: into,
      draft: mergeDrafts(into, item.draft),
      embedded: null,
      now,
      change: change(item, "merged", reason),
    })) ?? into;
  const upserts = inLockOrder(
    workspaceId,
    decisions.flatMap((d) => (d.kind === "upsert" ? [{ ...d, draft: d.item.draft }] : [])),
  );
  for (const { item, note } of upserts) {
    const { record, outcome } = await memories.upsertByKey({
      workspaceId,
      id: uuidv7(),
      draft: item.draft,
      embedded: item.embedded,
      now,
      change: change(item, "upserted"),
    });
    written(item.index, { record, outcome, reason: UPSERT_REASONS[outcome], note });
  }
  const merges = decisions.flatMap((d) => (d.kind === "merge" ? [d] : []));
  merges.sort((a, b) => (a.target.id < b.target.id ? -1 : a.target.id > b.target.id ? 1 : 0));
  for (const { item, target, similarity, note } of merges) {
    const reason = similarity > 0 ? nearDuplicateReason(target.id, similarity) : mergeReason(target.id);
    const record = await merge(item, latest.get(target.id) ?? target, reason);
    written(item.index, { record, outcome: "merged", reason, note });
  }
  const creates = decisions.flatMap((d) => (d.kind === "create" ? [d] : []));
  const inserted = await memories.insertDrafts({
    workspaceId,
    items: creates.map(({ item }) => ({
      id: uuidv7(),
      draft: item.draft,
      embedded: item.embedded,
      change: change(item, "created"),
    })),
    now,
  });
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
    const reason = mergeReason(first.id);
    const record = await merge(decision.item, latest.get(first.id) ?? first, reason);
    written(decision.item.index, { record, outcome: "merged", reason, note: decision.note });
  }
  for (const decision of decisions) {
    const targets = supersessionTargets(decision);
    const result = results.get(decision.item.index);
    if (targets.length === 0 || result?.record === undefined || result.record === null) continue;
    const superseded = await supersede(supersessions, decision.item, targets, result.record, now);
    results.set(decision.item.index, { ...result, superseded });
  }
  return results;
}

function change(item: WriteItem, kind: Change["kind"], reason: string | null = null): Change {
  return changeBy(item.viewer, kind, reason);
}
