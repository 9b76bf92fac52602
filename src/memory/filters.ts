import type { JsonObject } from "@bufbuild/protobuf";
import { visibleTo } from "../auth/visibility.js";
import type { Viewer } from "../auth/principal.js";
import { Sql, sql } from "../db/sql.js";
import type { MemoryDraft } from "./record.js";

export type OrderField = "create_time" | "update_time" | "confidence";

/** The MemoryFilter of ListMemories and SearchMemories, normalised. */
export interface FilterQuery {
  subjectType?: string;
  subjectId?: string;
  kinds: string[];
  tags: string[];
  anyTags: string[];
  /** Memories owned by any of these agents (within what the viewer may read). */
  ownerAgentIds: string[];
  linkedEntity?: { type: string; id: string };
  /** Memories that mention this entity, in any role. */
  mentions?: { type: string; id: string };
  visibility?: "private" | "shared";
  key?: string;
  showDeleted: boolean;
  showExpired: boolean;
  includeSuperseded: boolean;
  /** Only memories valid at this instant. */
  validAt?: Date;
  /** Only memories whose metadata contains this object (jsonb containment). */
  metadata?: JsonObject;
}

/** The filter that names nothing: every active memory the viewer may read. */
export const ACTIVE_MEMORIES: FilterQuery = {
  kinds: [],
  tags: [],
  anyTags: [],
  ownerAgentIds: [],
  showDeleted: false,
  showExpired: false,
  includeSuperseded: false,
};

export interface ListQuery extends FilterQuery {
  order: { field: OrderField; descending: boolean };
  /** Keyset position: rows strictly after this (order value, id) pair. */
  after?: { value: string | number; id: string };
  limit: number;
}

/**
 * The MemoryFilter as SQL conditions, always including the visibility rule, which names
 * `table`'s columns; the others name theirs unqualified. entity_names carries the columns of
 * ACTIVE_MEMORIES' conditions and the visibility rule's under the same names, so those apply to
 * its rows as they are (graph-source.ts).
 */
export function filterConditions(viewer: Viewer, q: FilterQuery, now: Date, table = "memories"): Sql[] {
  if (table !== "memories" && narrowed(q)) {
    // Unqualified, they would bind to any memories in scope instead: fail closed.
    throw new Error(`only the visibility and time conditions apply to ${table}`);
  }
  const where: Sql[] = [visibleTo(viewer, table)];
  if (q.subjectType !== undefined) where.push(sql`subject_type = ${q.subjectType}`);
  if (q.subjectId !== undefined) where.push(sql`subject_id = ${q.subjectId}`);
  if (q.kinds.length > 0) where.push(sql`kind = any(${q.kinds}::text[])`);
  if (q.tags.length > 0) where.push(sql`tags @> ${q.tags}::text[]`);
  if (q.anyTags.length > 0) where.push(sql`tags && ${q.anyTags}::text[]`);
  if (q.linkedEntity) where.push(sql`linked_entities @> ${JSON.stringify([q.linkedEntity])}::jsonb`);
  if (q.mentions) where.push(mentioning(q.mentions));
  if (q.visibility !== undefined) where.push(sql`visibility = ${q.visibility}`);
  if (q.key !== undefined) where.push(sql`key = ${q.key}`);
  if (q.ownerAgentIds.length > 0) where.push(sql`agent_id = any(${q.ownerAgentIds}::text[])`);
  // No index: it narrows the rows the other conditions find (a subject's, a kind's).
  if (q.metadata !== undefined) where.push(sql`metadata @> ${JSON.stringify(q.metadata)}::jsonb`);
  if (!q.showDeleted) where.push(sql`delete_time is null`);
  if (!q.showExpired) where.push(sql`(expire_time is null or expire_time > ${now})`);
  if (!q.includeSuperseded) where.push(sql`superseded_by is null`);
  if (q.validAt !== undefined) {
    where.push(sql`coalesce(valid_from, create_time) <= ${q.validAt}::timestamptz
      and (valid_until is null or valid_until > ${q.validAt}::timestamptz)`);
  }
  return where;
}

/** Whether the query narrows by a field of the memory beside visibility and time. */
function narrowed(q: FilterQuery): boolean {
  const fields = [q.subjectType, q.subjectId, q.linkedEntity, q.mentions, q.visibility, q.key, q.metadata];
  return (
    fields.some((f) => f !== undefined) ||
    q.kinds.length + q.tags.length + q.anyTags.length + q.ownerAgentIds.length > 0
  );
}

/** Memories that mention the entity, in any role (served by the memories_mentions index). */
export function mentioning(entity: { type: string; id: string }, table = "memories"): Sql {
  return sql`${Sql.raw(table)}.mentions @> ${JSON.stringify([{ type: entity.type, id: entity.id }])}::jsonb`;
}

/** A keyset page of a list: its position condition (after the last row served) and its order and limit. */
export function keysetPage(q: ListQuery, where: Sql[]): Sql {
  const column = Sql.raw(q.order.field);
  const direction = Sql.raw(q.order.descending ? "desc" : "asc");
  const conditions = [...where];
  if (q.after) {
    const cast = Sql.raw(q.order.field === "confidence" ? "real" : "timestamptz");
    const comparison = Sql.raw(q.order.descending ? "<" : ">");
    conditions.push(sql`(${column}, id) ${comparison} (${q.after.value}::${cast}, ${q.after.id}::uuid)`);
  }
  return sql`where ${allOf(conditions)} order by ${column} ${direction}, id ${direction} limit ${q.limit}`;
}

/**
 * The workspace, owner agent, subject and kind a draft is written under. Missing owner or
 * subject ids are matched with IS NULL rather than IS NOT DISTINCT FROM, which no index
 * serves: that form filtered tens of thousands of rows per keyed write at 100k memories.
 */
export function atSubject(workspaceId: string, d: MemoryDraft): Sql {
  const agent = d.agentId === null ? sql`agent_id is null` : sql`agent_id = ${d.agentId}`;
  const subject = d.subjectId === null ? sql`subject_id is null` : sql`subject_id = ${d.subjectId}`;
  return sql`workspace_id = ${workspaceId} and ${agent} and subject_type = ${d.subjectType} and ${subject}
    and kind = ${d.kind}`;
}

/** The one row the natural key (memories_natural_key) allows for a keyed draft. */
export function atNaturalKey(workspaceId: string, d: MemoryDraft): Sql {
  return sql`${atSubject(workspaceId, d)} and key = ${d.key}`;
}

/** Rows where every condition holds. */
export function allOf(conditions: Sql[]): Sql {
  return Sql.join(conditions, " and ");
}
