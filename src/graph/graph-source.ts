import type { Viewer } from "../auth/principal.js";
import { Sql, sql } from "../db/sql.js";
import { readableNow } from "../history/revision.repository.js";
import { mergedMentions } from "./merge-routines.js";
import { ACTIVE_MEMORIES, filterConditions, type FilterQuery } from "../memory/filters.js";
import { privateClass } from "./tallies/tally-trigger.js";

/** When a graph is read: the instant its facts must be valid at, and the past state to read (null: now). */
export interface GraphTime {
  validAt: Date;
  asOf: Date | null;
}

/** The memories a graph read stands on, as a FROM item named `memories` and its conditions. */
export type GraphSource = LiveSource | PastSource;

interface SourceBase {
  workspaceId: string;
  from: Sql;
  where: Sql[];
}

/** The memories table itself, so its indexes serve, and entity_names beside it. */
export interface LiveSource extends SourceBase {
  live: true;
  /**
   * The same conditions on the entity_names rows `n`, which carry their memory's columns that
   * decide them (entity-name.entity.ts), so an entity's rows answer alone.
   */
  names: Sql[];
  /**
   * Read now (no valid_at of the caller's): what the memories say of entities can be read from
   * entity_tallies (tallies/tally-sql.ts), of the reader classes in `readers` (null: all).
   */
  tallied: boolean;
  readers: string[] | null;
}

/** A past state read from the revisions: no entity_names rows describe it. */
export interface PastSource extends SourceBase {
  live: false;
}

/**
 * Everything the graph knows comes from here: the memories the viewer may read, active (not
 * deleted, superseded or expired) and valid at `validAt`, as they stand now or, with `asOf`,
 * as their revisions left them then (and still readable by the viewer now, as history is),
 * with the entity merges in force then applied to their mentions. An entity, relation, count
 * or path that no such memory gives does not exist for the viewer.
 */
export function graphSource(viewer: Viewer, time: GraphTime, now: Date): GraphSource {
  const q: FilterQuery = { ...ACTIVE_MEMORIES, validAt: time.validAt };
  if (time.asOf === null) {
    const names = filterConditions(viewer, q, now, "n");
    return {
      workspaceId: viewer.workspaceId,
      from: sql`memories`,
      where: filterConditions(viewer, q, now),
      live: true,
      names,
      tallied: time.validAt.getTime() === now.getTime(),
      readers: readerClasses(viewer),
    };
  }
  return {
    workspaceId: viewer.workspaceId,
    from: sql`(select memories.* from (
        select distinct on (r.memory_id) r.memory from memory_revisions r
        where r.workspace_id = ${viewer.workspaceId} and r.change_time <= ${time.asOf}
        order by r.memory_id, r.revision desc) as r
      cross join lateral jsonb_populate_record(null::memories, r.memory || jsonb_build_object('mentions',
        ${mergedMentions(sql`${viewer.workspaceId}::text`, sql`coalesce(r.memory->'mentions', '[]'::jsonb)`, sql`${time.asOf}::timestamptz`)})) as memories
    ) as memories`,
    where: [...filterConditions(viewer, q, time.asOf), readableNow(viewer, sql`memories.id`)],
    live: false,
  };
}

/** The tally reader classes (tally-trigger.ts readerOf) a viewer reads: all for an admin (null). */
function readerClasses(viewer: Viewer): string[] | null {
  if (viewer.admin) return null;
  return viewer.agentId === null ? [""] : ["", privateClass(viewer.agentId)];
}
