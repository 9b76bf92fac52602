import type { EntityManager } from "@mikro-orm/sql";
import type { Viewer } from "../auth/principal.js";
import { DomainError, invalidArgument } from "../errors/domain-error.js";
import { EntityMergeRepository, type EntityMergeRecord } from "./entity-merge.repository.js";
import { entityNotFound } from "./entity.mapper.js";
import { EntityRepository, type EntityRef } from "./entity.repository.js";
import { graphSource, type GraphSource } from "./graph-source.js";

export interface EntityMergeDeps {
  em: EntityManager;
  now: () => Date;
}

/**
 * MergeEntities: `from` becomes `into` for the whole workspace. The merge is a row the
 * mentions trigger applies to every mention of `from` (merge-routines.ts), so the memories that
 * mention it are written again here and every later write follows; nothing else moves, which
 * is what lets an undo restore exactly what was. `from` must exist for the caller, exactly as
 * GetEntity would find it; `into` need not (a merge can rename).
 */
export async function mergeEntities(
  deps: EntityMergeDeps,
  viewer: Viewer,
  from: EntityRef,
  into: EntityRef,
): Promise<EntityMergeRecord> {
  if (from.type === into.type && from.id === into.id) {
    throw invalidArgument("into", "SAME_ENTITY", "an entity cannot be merged into itself");
  }
  const merge = await deps.em.fork().transactional(async (em) => {
    const now = deps.now();
    const source = graphSource(viewer, { validAt: now, asOf: null }, now);
    const [seen] = await new EntityRepository(em).seen(source, viewer.workspaceId, [from]);
    if (seen === undefined) throw entityNotFound(from);
    const merges = new EntityMergeRepository(em);
    await merges.lock(viewer.workspaceId);
    const target = await merges.target(viewer.workspaceId, into);
    if (target.type === from.type && target.id === from.id) await breakLoop(merges, source, from, into, now);
    const recorded = await merges.insert(viewer.workspaceId, from, into, now);
    await merges.remention(viewer.workspaceId, from);
    return recorded;
  });
  // A write that committed while the merge ran could not see it: its mentions are written again.
  await new EntityMergeRepository(deps.em.fork()).remention(viewer.workspaceId, from);
  return merge;
}

/**
 * `into` already leads to `from` through merges in force, so the new merge would close a loop.
 * The merges on it after the first all lead on from `into`, so a caller who can see the first
 * (the merge of `into` itself) can see them all and is refused. A caller who cannot see it must
 * not learn of it from a refusal (it would answer "was this guessed id merged?"): the newer merge
 * wins, and the first ends, recorded as undone now. Its ending changes only memories that
 * caller cannot read, and the loop's entities stay one, now under `into`.
 */
async function breakLoop(
  merges: EntityMergeRepository,
  source: GraphSource,
  from: EntityRef,
  into: EntityRef,
  now: Date,
): Promise<void> {
  const first = await merges.inForceFrom(source.workspaceId, into);
  if (first === undefined || (await merges.seen(source, first))) {
    throw new DomainError(
      "failed_precondition",
      "MERGE_CYCLE",
      `entity ${into.type}/${into.id} is already merged into ${from.type}/${from.id}`,
    );
  }
  await merges.undo(first.id, now);
}

/**
 * UndoEntityMerge: the merge stops applying, and the memories whose mentions it reached are
 * written again (those naming the entity it led to, directly or through later merges). A merge
 * the caller's memories never mentioned the `from` of is NOT_FOUND, as one that never was.
 * Under the workspace's merge lock, as a merge: an undo committing while a merge broke a loop
 * through it made that merge answer MERGE_CYCLE with no loop left.
 */
export async function undoEntityMerge(deps: EntityMergeDeps, viewer: Viewer, id: string): Promise<EntityMergeRecord> {
  return deps.em.fork().transactional(async (em) => {
    const now = deps.now();
    const merges = new EntityMergeRepository(em);
    await merges.lock(viewer.workspaceId);
    const merge = await merges.byId(viewer.workspaceId, id);
    const source = graphSource(viewer, { validAt: now, asOf: null }, now);
    if (merge === undefined || !(await merges.seen(source, merge))) {
      throw new DomainError("not_found", "ENTITY_MERGE_NOT_FOUND", `entity merge ${id} not found`);
    }
    if (merge.undoTime !== null) {
      throw new DomainError("failed_precondition", "MERGE_UNDONE", `entity merge ${id} was already undone`);
    }
    const undone = await merges.undo(merge.id, now);
    await merges.remention(viewer.workspaceId, await merges.target(viewer.workspaceId, merge.into));
    return undone;
  });
}
