import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/sql";
import { query, Sql, sql } from "../db/sql.js";
import { allOf } from "../memory/filters.js";
import type { EntityRef } from "./entity.repository.js";
import type { GraphSource } from "./graph-source.js";
import { entityMergeTarget, MAX_CHAIN } from "./merge-routines.js";

/** A merge as recorded: `from` became `into` at createTime, until undoTime if it was undone. */
export interface EntityMergeRecord {
  id: string;
  from: EntityRef;
  into: EntityRef;
  createTime: Date;
  undoTime: Date | null;
}

type MergeColumns = {
  id: string;
  from_type: string;
  from_id: string;
  into_type: string;
  into_id: string;
  create_time: Date | string;
  undo_time: Date | string | null;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The class of the advisory locks (one per workspace) that let one merge at a time check for loops. */
const MERGE_LOCK = 0x6d65_7267;

/** The merges that reach GetEntity, newest first. */
const MAX_LISTED = 50;

/** entity_merges, and the rewrite of the mentions a merge or its undo changes. */
export class EntityMergeRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Waits for the workspace's other merges and undos to commit, for the rest of the transaction:
   * two merges made at once (a into b, b into a) would each miss the other's row and store a loop.
   */
  async lock(workspaceId: string): Promise<void> {
    await query(this.em, sql`select pg_advisory_xact_lock(${MERGE_LOCK}, hashtext(${workspaceId}))`);
  }

  async insert(workspaceId: string, from: EntityRef, into: EntityRef, now: Date): Promise<EntityMergeRecord> {
    const [row] = await query<MergeColumns>(
      this.em,
      sql`insert into entity_merges (id, workspace_id, from_type, from_id, into_type, into_id, create_time)
        values (${randomUUID()}, ${workspaceId}, ${from.type}, ${from.id}, ${into.type}, ${into.id}, ${now})
        returning *`,
    );
    return toRecord(row as MergeColumns);
  }

  /** The workspace's merge by id, locked for its undo; none for an id that is not a UUID. */
  async byId(workspaceId: string, id: string): Promise<EntityMergeRecord | undefined> {
    if (!UUID.test(id)) return undefined;
    const [row] = await query<MergeColumns>(
      this.em,
      sql`select * from entity_merges where workspace_id = ${workspaceId} and id = ${id}::uuid for update`,
    );
    return row === undefined ? undefined : toRecord(row);
  }

  /** The workspace's merge in force from the entity, locked, if there is one. */
  async inForceFrom(workspaceId: string, from: EntityRef): Promise<EntityMergeRecord | undefined> {
    const [row] = await query<MergeColumns>(
      this.em,
      sql`select * from entity_merges where workspace_id = ${workspaceId} and from_type = ${from.type}
        and from_id = ${from.id} and undo_time is null for update`,
    );
    return row === undefined ? undefined : toRecord(row);
  }

  async undo(id: string, now: Date): Promise<EntityMergeRecord> {
    const [row] = await query<MergeColumns>(
      this.em,
      sql`update entity_merges set undo_time = ${now} where id = ${id}::uuid returning *`,
    );
    return toRecord(row as MergeColumns);
  }

  /** Where the merges in force take an entity (itself when none does). */
  async target(workspaceId: string, ref: EntityRef): Promise<EntityRef> {
    const [row] = await query<{ target: EntityRef | string | null }>(
      this.em,
      sql`select ${Sql.raw(entityMergeTarget.name)}(${workspaceId}, ${ref.type}, ${ref.id}, 'infinity') as target`,
    );
    const target = row?.target ?? null;
    return target === null ? ref : typeof target === "string" ? (JSON.parse(target) as EntityRef) : target;
  }

  /**
   * Writes again the mentions of every memory of the workspace that mentions the entity (the
   * trigger maps them through the merges now in force); the revision stays, as nothing the
   * writer said changed.
   */
  async remention(workspaceId: string, ref: EntityRef): Promise<void> {
    await query(
      this.em,
      sql`update memories set mentions = mentions where workspace_id = ${workspaceId}
        and mentions @> ${JSON.stringify([{ type: ref.type, id: ref.id }])}::jsonb`,
    );
  }

  /** The merges in force that lead on from these entities (to where each ends up), oldest first. */
  async leadingFrom(workspaceId: string, refs: readonly EntityRef[]): Promise<EntityMergeRecord[]> {
    if (refs.length === 0) return [];
    const rows = await query<MergeColumns>(
      this.em,
      sql`with recursive chain as (
          select g.*, 0 as depth from entity_merges g
            join unnest(${refs.map((r) => r.type)}::text[], ${refs.map((r) => r.id)}::text[]) as c(type, id)
              on g.from_type = c.type and g.from_id = c.id
            where g.workspace_id = ${workspaceId} and g.undo_time is null
          union all
          select g.*, chain.depth + 1 from chain join entity_merges g
            on g.workspace_id = ${workspaceId} and g.from_type = chain.into_type and g.from_id = chain.into_id
            where g.undo_time is null and chain.depth < ${MAX_CHAIN})
        select distinct on (create_time, id) id, from_type, from_id, into_type, into_id, create_time, undo_time
        from chain order by create_time, id`,
    );
    return rows.map(toRecord);
  }

  /**
   * Records merges an import brings, keeping their times, unless the workspace has one in force
   * from the same entity already (its own stands) or the merge would close a cycle.
   */
  async imported(workspaceId: string, merges: readonly EntityMergeRecord[]): Promise<void> {
    if (merges.length > 0) await this.lock(workspaceId);
    for (const merge of merges) {
      const target = await this.target(workspaceId, merge.into);
      if (target.type === merge.from.type && target.id === merge.from.id) continue;
      await query(
        this.em,
        sql`insert into entity_merges (id, workspace_id, from_type, from_id, into_type, into_id, create_time)
          values (${randomUUID()}, ${workspaceId}, ${merge.from.type}, ${merge.from.id}, ${merge.into.type},
            ${merge.into.id}, ${merge.createTime})
          on conflict do nothing`,
      );
    }
  }

  /** Whether the source's memories reach the merge (seenThrough), and so the caller may undo it. */
  async seen(source: GraphSource, merge: EntityMergeRecord): Promise<boolean> {
    const [row] = await query<{ seen: boolean }>(
      this.em,
      sql`select ${seenThrough(source, "g", "infinity")} as seen from entity_merges g
        where g.workspace_id = ${source.workspaceId} and g.id = ${merge.id}::uuid`,
    );
    return row?.seen === true;
  }

  /** The merges into the entity in force at `asOf` (now when null) that the source's memories reach, newest first. */
  async inForceInto(
    source: GraphSource,
    workspaceId: string,
    into: EntityRef,
    asOf: Date | null,
  ): Promise<EntityMergeRecord[]> {
    const at = asOf ?? "infinity";
    const rows = await query<MergeColumns>(
      this.em,
      sql`select g.* from entity_merges g
        where g.workspace_id = ${workspaceId} and g.into_type = ${into.type} and g.into_id = ${into.id}
          and ${inForce("g", at)} and ${seenThrough(source, "g", at)}
        order by g.create_time desc, g.id limit ${MAX_LISTED}`,
    );
    return rows.map(toRecord);
  }
}

function inForce(merge: string, at: Date | string): Sql {
  const g = Sql.raw(merge);
  return sql`${g}.create_time <= ${at}::timestamptz and (${g}.undo_time is null or ${g}.undo_time > ${at}::timestamptz)`;
}

/**
 * A memory of the source reaches a merge when it mentions the merge's `from`, or one a mention
 * a merge moved was: `from` itself, or an entity that the merges in force at `at` led to it (in
 * a chain a into b into c, a memory that named a reaches both merges). A merge no memory the
 * caller may read reaches does not exist for the caller. The merges are read in the source's
 * workspace, named as a value: Citus runs a recursive query only on one workspace's shard.
 */
function seenThrough(source: GraphSource, merge: string, at: Date | string): Sql {
  const g = Sql.raw(merge);
  return sql`exists (
    with recursive back(type, id, depth) as (
      select ${g}.from_type, ${g}.from_id, 0
      union all
      select b.from_type, b.from_id, back.depth + 1 from back join entity_merges b
        on b.workspace_id = ${source.workspaceId} and b.into_type = back.type and b.into_id = back.id and ${inForce("b", at)}
      where back.depth < ${MAX_CHAIN})
    select 1 from back cross join ${source.from} where ${allOf([
      ...source.where,
      sql`(memories.mentions @> jsonb_build_array(jsonb_build_object('type', back.type, 'id', back.id))
        or memories.mentions @> jsonb_build_array(jsonb_build_object('from', jsonb_build_object('type', back.type, 'id', back.id))))`,
    ])})`;
}

function toRecord(row: MergeColumns): EntityMergeRecord {
  return {
    id: row.id,
    from: { type: row.from_type, id: row.from_id },
    into: { type: row.into_type, id: row.into_id },
    createTime: new Date(row.create_time),
    undoTime: row.undo_time === null ? null : new Date(row.undo_time),
  };
}
