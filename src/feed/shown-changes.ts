import type { Viewer } from "../auth/principal.js";
import type { SuccessorNames } from "../memory/successors.js";
import type { LoggedChange, RecordedChange } from "./change-log.repository.js";

/**
 * Changes as the viewer may see them, for every reader of the change log (WatchMemories,
 * webhooks): each names a successor (superseded_by, its reason) only if the viewer may read it
 * (successors.ts); a tombstone names nothing but its own memory and stays as it is.
 */
export async function shownChanges(
  successors: SuccessorNames,
  viewer: Viewer,
  changes: readonly LoggedChange[],
): Promise<LoggedChange[]> {
  const recorded = changes.filter((c): c is RecordedChange => c.erased === undefined);
  const shown = new Map((await successors.carriers(viewer, recorded)).map((c) => [c.position, c]));
  return changes.map((c) => shown.get(c.position) ?? c);
}
