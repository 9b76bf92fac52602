import type { Viewer } from "../../auth/principal.js";
import { assertCanModify, mayModify } from "../../auth/visibility.js";
import { DomainError, invalidArgument, memoryNotFound } from "../../errors/domain-error.js";
import { changeBy } from "../change.js";
import { supersededReason } from "../successors.js";
import type { MemoryRepository } from "../memory.repository.js";
import type { SupersessionRepository } from "./supersession.repository.js";
import type { MemoryRecord } from "../record.js";
import { isDryRun, namedSupersessions, type WriteItem } from "./item.js";
import type { Decision } from "./plan.js";
import type { FieldOf } from "./admission.js";
import { isUuid } from "../../ids.js";

/**
 * The memories a write names in `supersedes` that it may not supersede, by item index: each must
 * be readable and changeable by the writer, and neither deleted nor superseded already, by
 * another write or by an earlier item of the same batch (which the database cannot show yet).
 * Checked before planning, so that a refused item fails alone (and a dry run reports it); a
 * concurrent writer that supersedes one first is caught when applying (supersede).
 */
export async function refusedSupersessions(
  memories: MemoryRepository,
  items: readonly WriteItem[],
  fieldOf: FieldOf,
): Promise<Map<number, unknown>> {
  const refused = new Map<number, unknown>();
  /** The memories earlier items of this batch supersede when applied, and by which item. */
  const claimed = new Map<string, string>();
  for (const item of items) {
    const ids = item.request.supersedes;
    if (ids.length === 0) continue;
    const named = namedSupersessions(item).filter(isUuid);
    const found = new Map((await memories.findMany(item.viewer, named)).map((r) => [r.id, r]));
    const field = fieldOf(item.index).replace(/memory$/, "supersedes");
    try {
      ids.forEach((id, i) => {
        const memory = found.get(id.toLowerCase());
        checkSupersedable(item.viewer, memory, id, `${field}[${i}]`, memory && claimed.get(memory.id));
      });
    } catch (error) {
      refused.set(item.index, error);
      continue;
    }
    const by = fieldOf(item.index).replace(/\.memory$/, "");
    if (!isDryRun(item)) named.forEach((id) => claimed.set(id, `${by} of this batch`));
  }
  return refused;
}

function checkSupersedable(
  viewer: Viewer,
  memory: MemoryRecord | undefined,
  id: string,
  field: string,
  claimedBy: string | undefined,
): void {
  if (memory === undefined) throw memoryNotFound(id);
  assertCanModify(viewer, memory);
  if (memory.deleteTime !== null) {
    throw new DomainError("failed_precondition", "MEMORY_DELETED", `${field}: memory ${id} is deleted`);
  }
  if (memory.supersededBy !== null) {
    throw new DomainError(
      "failed_precondition",
      "ALREADY_SUPERSEDED",
      // Not by whom: the successor may be a memory the caller may not read.
      `${field}: memory ${id} is already superseded; undo that first`,
    );
  }
  if (claimedBy !== undefined) {
    throw new DomainError(
      "failed_precondition",
      "ALREADY_SUPERSEDED",
      `${field}: memory ${id} is already superseded by ${claimedBy}`,
    );
  }
}

/**
 * What a write supersedes: the memories it names (checked before planning), and with
 * supersede_conflicts the conflicts the guard marked as contradicting that the writer may change.
 */
export function supersessionTargets(decision: Decision): string[] {
  const { item } = decision;
  const contradicting = item.request.supersedeConflicts
    ? decision.note.conflicts
        .filter((c) => c.contradiction !== null && mayModify(item.viewer, c.record))
        .map((c) => c.record.id)
    : [];
  return [...new Set([...namedSupersessions(item), ...contradicting])];
}

/**
 * Supersedes the targets by the memory a write left, in the write's transaction. Those a
 * concurrent writer superseded or deleted since they were checked fail the write (ABORTED):
 * of two writers racing to supersede one memory, one wins.
 */
export async function supersede(
  supersessions: SupersessionRepository,
  item: WriteItem,
  targets: readonly string[],
  successor: MemoryRecord,
  now: Date,
): Promise<string[]> {
  if (targets.includes(successor.id)) {
    throw invalidArgument(
      "supersedes",
      "SUPERSEDES_ITSELF",
      `the write is stored as memory ${successor.id}, which it names in supersedes`,
    );
  }
  const superseded = await supersessions.supersede({
    workspaceId: item.viewer.workspaceId,
    ids: targets,
    successor,
    now,
    change: changeBy(item.viewer, "superseded", supersededReason(successor.id)),
  });
  const lost = namedSupersessions(item).filter((id) => !superseded.includes(id));
  if (lost.length > 0) {
    throw new DomainError(
      "aborted",
      "SUPERSEDE_CONFLICT",
      `memory ${lost.join(", ")} was superseded or deleted by another write meanwhile; nothing was written`,
    );
  }
  return superseded;
}
