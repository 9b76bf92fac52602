import { TransactionPropagation } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/sql";
import { postgresErrorCode } from "../../db/database-errors.js";
import type { MemoryRepository } from "../memory.repository.js";
import type { SupersessionRepository } from "./supersession.repository.js";
import type { NeighbourRepository } from "./guard/neighbour.repository.js";
import { keylessIdentity } from "../identity.js";
import type { MemoryRecord } from "../record.js";
import type { WriteResult } from "./result.js";
import { applyPlan } from "./apply.js";
import { gatherFacts } from "./facts.js";
import { isDryRun, type WriteItem } from "./item.js";
import { planWrites, type Decision } from "./plan.js";
import { previewDecision } from "./preview.js";
import { supersessionTargets } from "./supersession.js";

export interface BatchWriterDeps {
  memories: (em: EntityManager) => MemoryRepository;
  supersessions: (em: EntityManager) => SupersessionRepository;
  neighbours: (em: EntityManager) => NeighbourRepository;
}

/** Each item's answer: what it did (or, for a dry run, would do), or the error it failed with. */
export type ItemOutcome = { result: WriteResult } | { error: unknown };

/**
 * Plans and applies the admitted writes of one batch inside the caller's transaction: locks
 * (every keyless identity the real writes hold, in one sorted statement), the facts in two
 * statements, the one pure plan, then the real writes applied and the dry runs described.
 * `isolated` (a non-atomic batch) applies under a savepoint and, should an item's data be what
 * the database refuses, again one item at a time, so that only that item fails.
 */
export async function writeItems(
  deps: BatchWriterDeps,
  tem: EntityManager,
  items: readonly WriteItem[],
  { admin, isolated, now }: { admin: boolean; isolated: boolean; now: Date },
): Promise<Map<number, ItemOutcome>> {
  const outcomes = new Map<number, ItemOutcome>();
  const workspaceId = items[0]?.viewer.workspaceId;
  if (workspaceId === undefined) return outcomes;
  const memories = deps.memories(tem);
  const real = items.filter((item) => !isDryRun(item));
  await memories.lockIdentities(
    real.filter((item) => item.draft.key === null).map((item) => keylessIdentity(workspaceId, item.draft)),
  );
  const facts = await gatherFacts(memories, deps.neighbours(tem), items, admin, now);
  for (const item of items.filter(isDryRun)) {
    const [decision] = planWrites([item], facts);
    const atKey = item.draft.key === null ? null : await memories.findByNaturalKey(workspaceId, item.draft);
    if (decision === undefined) continue;
    // What it would supersede, already checked (refusedSupersessions): the preview names it.
    const superseded = supersessionTargets(decision);
    outcomes.set(item.index, { result: { ...previewDecision(decision, atKey, now), superseded } });
  }
  const decisions = planWrites(real, facts);
  const apply = (sem: EntityManager, some: readonly Decision[]) =>
    applyPlan({ memories: deps.memories(sem), supersessions: deps.supersessions(sem) }, workspaceId, some, now);
  if (!isolated) {
    for (const [index, result] of await apply(tem, decisions)) outcomes.set(index, { result });
    return outcomes;
  }
  try {
    const results = await tem.transactional((sem) => apply(sem, decisions), {
      propagation: TransactionPropagation.NESTED,
    });
    for (const [index, result] of results) outcomes.set(index, { result });
  } catch (err) {
    if (!isItemError(err)) throw err;
    await applyOneByOne(tem, decisions, outcomes, apply);
  }
  return outcomes;
}

/** Each decision under a savepoint of its own: the one whose data the database refuses fails alone. */
async function applyOneByOne(
  tem: EntityManager,
  decisions: readonly Decision[],
  outcomes: Map<number, ItemOutcome>,
  apply: (sem: EntityManager, some: readonly Decision[]) => Promise<Map<number, WriteResult>>,
): Promise<void> {
  for (const decision of decisions) {
    const alone = standalone(decision, outcomes);
    if ("error" in alone) {
      outcomes.set(decision.item.index, alone);
      continue;
    }
    try {
      const results = await tem.transactional((sem) => apply(sem, [alone.decision]), {
        propagation: TransactionPropagation.NESTED,
      });
      for (const [index, result] of results) outcomes.set(index, { result });
    } catch (error) {
      if (!isItemError(error)) throw error;
      outcomes.set(decision.item.index, { error });
    }
  }
}

/** A decision that can be applied by itself: a repeat becomes a merge into what its first write wrote. */
function standalone(
  decision: Decision,
  outcomes: ReadonlyMap<number, ItemOutcome>,
): { decision: Decision } | { error: unknown } {
  if (decision.kind !== "repeat") return { decision };
  const first = outcomes.get(decision.of.index);
  if (first === undefined || "error" in first) return { error: first?.error ?? new Error("no first write") };
  const target = first.result.record as MemoryRecord;
  return { decision: { kind: "merge", item: decision.item, target, similarity: 0, note: decision.note } };
}

/**
 * Whether a database error is about one item's data (a data exception, class 22, or an
 * integrity violation, class 23), which retrying the items one by one isolates. Anything else
 * (a lost connection, a deadlock, a full disk) fails the batch: a retry per item would only
 * repeat it, and hide it.
 */
export function isItemError(err: unknown): boolean {
  const code = postgresErrorCode(err);
  return code !== undefined && (code.startsWith("22") || code.startsWith("23"));
}
