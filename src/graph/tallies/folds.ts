import type { EntityManager } from "@mikro-orm/sql";
import { EntityTallyRepository, FOLD_BATCH } from "./entity-tally.repository.js";
import { RelationTallyRepository } from "./relation-tally.repository.js";

/** One fold of both tallies (the folder's): how many unfolded rows the fuller of the two had. */
export async function foldTallies(em: EntityManager): Promise<number> {
  const names = await new EntityTallyRepository(em.fork()).fold();
  const relations = await new RelationTallyRepository(em.fork()).fold();
  return Math.max(names, relations);
}

/**
 * Folds every unfolded row of a workspace in both tallies, in the caller's transaction, waiting
 * for a fold running elsewhere: an erasure's batch, so that no row naming what it erased (an
 * entity's name, a memory's id) outlives it.
 */
export async function foldWorkspaceTallies(em: EntityManager, workspaceId: string): Promise<void> {
  for (const repository of [new EntityTallyRepository(em), new RelationTallyRepository(em)]) {
    let pending = FOLD_BATCH;
    while (pending >= FOLD_BATCH) pending = await repository.fold(workspaceId);
  }
}
