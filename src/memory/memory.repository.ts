import { createHash } from "node:crypto";
import type { EntityManager } from "@mikro-orm/sql";
import { fromSql, toSql } from "pgvector";
import { visibleTo } from "../auth/visibility.js";
import type { WriteEmbedding } from "../embedding/embeddings.js";
import type { Viewer } from "../auth/principal.js";
import { Sql, query, sql } from "../db/sql.js";
import { isUuid } from "../ids.js";
import { normaliseContent, type MemoryDraft, type MemoryRecord } from "./memory-record.js";
import { keywordTiers, lexemeQuery } from "./keyword-tiers.js";

const COLUMNS = Sql.raw(`memories.workspace_id, memories.id, memories.agent_id, memories.subject_type,
  memories.subject_id, memories.kind, memories.key, memories.content, memories.title, memories.visibility,
  memories.metadata, memories.tags, memories.linked_entities, memories.confidence, memories.source_kind,
  memories.source_id, memories.provenance, memories.parent_memory_id, memories.expire_time,
  memories.forget_reason, memories.embedding_model, memories.embedding_status, memories.revision,
  memories.create_time, memories.update_time, memories.delete_time`);

export type OrderField = "create_time" | "update_time" | "confidence";

/** The MemoryFilter of ListMemories and SearchMemories, normalised. */
export interface FilterQuery {
  subjectType?: string;
  subjectId?: string;
  kinds: string[];
  tags: string[];
  anyTags: string[];
  linkedEntity?: { type: string; id: string };
  visibility?: "private" | "shared";
  key?: string;
  showDeleted: boolean;
  showExpired: boolean;
}

export interface ListQuery extends FilterQuery {
  order: { field: OrderField; descending: boolean };
  /** Keyset position: rows strictly after this (order value, id) pair. */
  after?: { value: string | number; id: string };
  limit: number;
}

export interface Candidate {
  id: string;
  score: number;
}

export type UpsertOutcome = "created" | "updated" | "revived";

/** Every SQL statement that touches `memories`. */
export class MemoryRepository {
  /** Bind to a transaction's entity manager to run inside that transaction. */
  constructor(private readonly db: EntityManager) {}

  /**
   * The keyed write: one INSERT ... ON CONFLICT statement, so concurrent writers of one key
   * make one row. The `prior` CTE reads the row as it was before this statement, to tell an
   * update of an active memory from a revival of a deleted or expired one.
   */
  async upsertByKey(
    workspaceId: string,
    id: string,
    draft: MemoryDraft,
    embedded: WriteEmbedding,
    now: Date,
  ): Promise<{ record: MemoryRecord; outcome: UpsertOutcome }> {
    const v = draftValues(draft);
    const rows = await query<Row & { inserted: boolean; was_inactive: boolean | null }>(
      this.db,
      sql`with prior as (
          select (delete_time is not null or (expire_time is not null and expire_time <= ${now})) as inactive
          from memories where ${atNaturalKey(workspaceId, draft)})
        insert into memories as memories (workspace_id, id, create_time, update_time, ${Sql.raw(DRAFT_COLUMNS)},
          ${Sql.raw(EMBEDDING_COLUMNS)})
        values (${workspaceId}, ${id}, ${now}, ${now}, ${v}, ${embeddingValues(embedded)})
        on conflict (workspace_id, agent_id, subject_type, subject_id, kind, key) where key is not null
        do update set ${Sql.raw(REPLACE_FROM_EXCLUDED)},
          embedding = case when excluded.embedding is not null then excluded.embedding
            when memories.content = excluded.content then memories.embedding end,
          embedding_model = case when excluded.embedding is not null then excluded.embedding_model
            when memories.content = excluded.content then memories.embedding_model end,
          embedding_status = case when excluded.embedding is not null then 'attached'
            when memories.content = excluded.content then memories.embedding_status else 'pending' end,
          embedding_attempts = 0, embedding_retry_time = excluded.embedding_retry_time,
          update_time = excluded.update_time, delete_time = null, forget_reason = null,
          revision = memories.revision + 1
        returning ${COLUMNS}, (xmax = 0) as inserted, (select inactive from prior) as was_inactive`,
    );
    const row = single(rows);
    const outcome: UpsertOutcome = row.inserted ? "created" : row.was_inactive ? "revived" : "updated";
    return { record: toRecord(row), outcome };
  }

  /** The active memory at a natural key, if any (for dry runs). */
  async findByNaturalKey(workspaceId: string, draft: MemoryDraft): Promise<MemoryRecord | null> {
    const rows = await query<Row>(
      this.db,
      sql`select ${COLUMNS} from memories where ${atNaturalKey(workspaceId, draft)}`,
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /**
   * The active keyless memory a keyless write would merge into. Call inside a transaction:
   * the advisory lock serialises writers of the same content until commit.
   */
  async lockMergeTarget(
    workspaceId: string,
    draft: MemoryDraft,
    now: Date,
    lock: boolean,
  ): Promise<MemoryRecord | null> {
    const fingerprint = fingerprintOf(draft.content);
    if (lock) {
      await query(
        this.db,
        sql`select pg_advisory_xact_lock(hashtextextended(${keylessIdentity(workspaceId, draft)}, 0))`,
      );
    }
    const rows = await query<Row>(
      this.db,
      sql`select ${COLUMNS} from memories
        where ${atSubject(workspaceId, draft)} and key is null and content_fingerprint = ${fingerprint}
          and delete_time is null and (expire_time is null or expire_time > ${now})
        order by create_time limit 1`,
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /**
   * lockMergeTarget for many keyless drafts in two statements: the advisory locks, taken in
   * one sorted order, then every candidate target. The answer is in the drafts' order.
   */
  async lockMergeTargets(workspaceId: string, drafts: MemoryDraft[], now: Date): Promise<(MemoryRecord | null)[]> {
    if (drafts.length === 0) return [];
    const lockKeys = [...new Set(drafts.map((d) => keylessIdentity(workspaceId, d)))].sort();
    await query(
      this.db,
      sql`select pg_advisory_xact_lock(hashtextextended(k, 0))
        from (select k from unnest(${lockKeys}::text[]) as k order by k) as locks`,
    );
    const rows = await query<Row>(
      this.db,
      sql`select ${COLUMNS} from memories
        where workspace_id = ${workspaceId} and key is null
          and content_fingerprint = any(${[...new Set(drafts.map((d) => fingerprintOf(d.content)))]}::text[])
          and delete_time is null and (expire_time is null or expire_time > ${now})
        order by create_time`,
    );
    const targets = new Map<string, MemoryRecord>();
    for (const record of rows.map(toRecord)) {
      const lockKey = keylessIdentity(workspaceId, record);
      if (!targets.has(lockKey)) targets.set(lockKey, record);
    }
    return drafts.map((d) => targets.get(keylessIdentity(workspaceId, d)) ?? null);
  }

  /** Inserts new memories in one statement; returns them in the order given. */
  async insertMany(
    workspaceId: string,
    items: { id: string; draft: MemoryDraft; embedded: WriteEmbedding }[],
    now: Date,
  ): Promise<MemoryRecord[]> {
    if (items.length === 0) return [];
    const values = items.map(
      ({ id, draft, embedded }) =>
        sql`(${workspaceId}, ${id}::uuid, ${now}::timestamptz, ${now}::timestamptz, ${draftValues(draft)}, ${embeddingValues(embedded)})`,
    );
    const rows = await query<Row>(
      this.db,
      sql`insert into memories (workspace_id, id, create_time, update_time, ${Sql.raw(DRAFT_COLUMNS)}, ${Sql.raw(EMBEDDING_COLUMNS)})
        values ${Sql.join(values, ", ")}
        returning ${COLUMNS}`,
    );
    const byId = new Map(rows.map((r) => [r.id, toRecord(r)]));
    return items.map(({ id }) => {
      const record = byId.get(id);
      if (record === undefined) throw new Error(`memory ${id} was not returned by its insert`);
      return record;
    });
  }

  async insert(
    workspaceId: string,
    id: string,
    draft: MemoryDraft,
    embedded: WriteEmbedding,
    now: Date,
  ): Promise<MemoryRecord> {
    const rows = await query<Row>(
      this.db,
      sql`insert into memories (workspace_id, id, create_time, update_time, ${Sql.raw(DRAFT_COLUMNS)}, ${Sql.raw(EMBEDDING_COLUMNS)})
        values (${workspaceId}, ${id}, ${now}, ${now}, ${draftValues(draft)}, ${embeddingValues(embedded)})
        returning ${COLUMNS}`,
    );
    return toRecord(single(rows));
  }

  /**
   * Rewrites every writable field of a memory (revision + 1). New content takes the given
   * vector, or goes back to PENDING for the worker.
   */
  async replace(target: MemoryRecord, draft: MemoryDraft, embedded: WriteEmbedding, now: Date): Promise<MemoryRecord> {
    const contentChanged = target.content !== draft.content;
    const rows = await query<Row>(
      this.db,
      sql`update memories set (${Sql.raw(DRAFT_COLUMNS)}) = (select ${draftValues(draft)}),
          update_time = ${now}, revision = revision + 1
          ${contentChanged ? sql`, (${Sql.raw(EMBEDDING_COLUMNS)}) = (select ${embeddingValues(embedded)})` : sql``}
        where workspace_id = ${target.workspaceId} and id = ${target.id}
        returning ${COLUMNS}`,
    );
    return toRecord(single(rows));
  }

  async findVisible(viewer: Viewer, id: string, options: { forUpdate?: boolean } = {}): Promise<MemoryRecord | null> {
    if (!isUuid(id)) return null;
    const rows = await query<Row>(
      this.db,
      sql`select ${COLUMNS} from memories where id = ${id} and ${visibleTo(viewer)}
        ${Sql.raw(options.forUpdate ? "for update" : "")}`,
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async setDeleted(
    target: MemoryRecord,
    deleteTime: Date | null,
    reason: string | null,
    now: Date,
  ): Promise<MemoryRecord> {
    const rows = await query<Row>(
      this.db,
      sql`update memories set delete_time = ${deleteTime}, forget_reason = ${reason},
          update_time = ${now}, revision = revision + 1
        where workspace_id = ${target.workspaceId} and id = ${target.id}
        returning ${COLUMNS}`,
    );
    return toRecord(single(rows));
  }

  async list(viewer: Viewer, q: ListQuery, now: Date): Promise<MemoryRecord[]> {
    const where = filterConditions(viewer, q, now);
    const column = Sql.raw(q.order.field);
    const direction = Sql.raw(q.order.descending ? "desc" : "asc");
    if (q.after) {
      const cast = Sql.raw(q.order.field === "confidence" ? "real" : "timestamptz");
      const comparison = Sql.raw(q.order.descending ? "<" : ">");
      where.push(sql`(${column}, id) ${comparison} (${q.after.value}::${cast}, ${q.after.id}::uuid)`);
    }
    const rows = await query<Row>(
      this.db,
      sql`select ${COLUMNS} from memories where ${Sql.join(where, " and ")}
        order by ${column} ${direction}, id ${direction} limit ${q.limit}`,
    );
    return rows.map(toRecord);
  }

  /**
   * The memories nearest to a query vector, best first. Filters and visibility sit inside
   * the vector query; pgvector's iterative index scan keeps reading the HNSW index until
   * `limit` rows pass them, and an exact ranking covers the rows the approximate index
   * misses, so a selective filter still fills the page.
   */
  async nearest(
    viewer: Viewer,
    q: FilterQuery,
    vector: number[],
    model: string,
    limit: number,
    now: Date,
  ): Promise<Candidate[]> {
    await query(
      this.db,
      sql`select set_config('hnsw.iterative_scan', 'strict_order', true),
        set_config('hnsw.ef_search', ${String(Math.max(40, limit))}, true)`,
    );
    const where = [...filterConditions(viewer, q, now), sql`embedding is not null`, sql`embedding_model = ${model}`];
    const target = sql`${toSql(vector)}::vector`;
    const matching = sql`select id, embedding <=> ${target} as distance from memories where ${Sql.join(where, " and ")}`;
    let rows = await query<{ id: string; distance: number | string }>(
      this.db,
      sql`${matching} order by embedding <=> ${target} limit ${limit}`,
    );
    if (rows.length < limit) {
      // The HNSW graph is approximate: an iterative scan can run out of reachable nodes (or
      // hnsw.max_scan_tuples) before a selective filter has found `limit` rows. When it comes up
      // short, rank the rows passing the filter exactly (the materialized CTE keeps the index out).
      rows = await query<{ id: string; distance: number | string }>(
        this.db,
        sql`with matching as materialized (${matching}) select id, distance from matching
          order by distance, id limit ${limit}`,
      );
    }
    return rows.map((r) => ({ id: r.id, score: 1 - Number(r.distance) }));
  }

  /**
   * Full-text matches over title, content, tags and metadata values, best first. Any query
   * word may match (OR), so a natural-language question still finds memories sharing only
   * some of its words; ts_rank_cd rewards those sharing more, closer together. Only the
   * narrowest tier of `keywordTiers` that fills `limit` is ranked. Run last in the ranking
   * transaction.
   */
  async keywordMatches(viewer: Viewer, q: FilterQuery, text: string, limit: number, now: Date): Promise<Candidate[]> {
    const filters = filterConditions(viewer, q, now);
    // The planner prices a tier's many-branched tsquery like one cheap operator per row and
    // would rather test it on every row of the table than walk the GIN index (7 ms against
    // 27 ms at 10k memories); only this transaction, which ends with the ranking, is affected.
    const [parsed] = await query<{ lexemes: string[] }>(
      this.db,
      sql`select set_config('enable_seqscan', 'off', true),
        tsvector_to_array(to_tsvector('english', ${text})) as lexemes`,
    );
    // Words no memory the viewer can see contains cannot match; leaving them out keeps every
    // tier that could fill the page within reach (an eight-word question with two such words
    // would otherwise walk empty eight- and seven-word tiers, then costly six- and five-word ones).
    const words = (parsed?.lexemes ?? []).map(lexemeQuery);
    const present =
      words.length === 0
        ? []
        : await query<{ word: string }>(
            this.db,
            sql`select word from unnest(${words}::text[]) as word
              where exists (select 1 from memories where ${Sql.join([...filters, sql`search @@ word::tsquery`], " and ")})`,
          );
    const queries = keywordTiers(present.map((r) => r.word));
    if (queries === null) return [];
    let rows: { id: string; rank: number | string }[] = [];
    for (const tier of queries.tiers) {
      rows = await query(
        this.db,
        sql`select id, ts_rank_cd(search, ${queries.any}::tsquery) as rank from memories
          where ${Sql.join([...filters, sql`search @@ ${tier}::tsquery`], " and ")}
          order by rank desc, id limit ${limit}`,
      );
      if (rows.length === limit) break;
    }
    return rows.map((r) => ({ id: r.id, score: Number(r.rank) }));
  }

  /**
   * Vectors already stored for any of these exact contents in the workspace, by `model`: a
   * write of content the workspace has seen reuses its vector instead of embedding it again.
   */
  async vectorsByContent(workspaceId: string, contents: string[], model: string): Promise<Map<string, number[]>> {
    if (contents.length === 0) return new Map();
    const rows = await query<{ content: string; embedding: string }>(
      this.db,
      sql`select distinct on (content) content, embedding::text as embedding from memories
        where workspace_id = ${workspaceId} and content_fingerprint = any(${contents.map(fingerprintOf)}::text[])
          and content = any(${contents}::text[]) and embedding_status = 'attached' and embedding_model = ${model}`,
    );
    return new Map(rows.map((r) => [r.content, fromSql(r.embedding) as number[]]));
  }

  /**
   * Attaches vectors that arrived after their writes committed to the workspace's PENDING
   * memories with those contents (held by those writes, or queued by others). Returns how many.
   */
  async attachByContent(workspaceId: string, contents: string[], vectors: number[][], model: string): Promise<number> {
    if (contents.length === 0) return 0;
    const rows = await query(
      this.db,
      sql`update memories m set embedding = v.embedding::vector, embedding_model = ${model},
          embedding_status = 'attached', embedding_attempts = 0, embedding_retry_time = null
        from unnest(${contents.map(fingerprintOf)}::text[], ${contents}::text[],
          ${vectors.map((v) => toSql(v) as string)}::text[]) as v(fingerprint, content, embedding)
        where m.workspace_id = ${workspaceId} and m.content_fingerprint = v.fingerprint
          and m.content = v.content and m.embedding_status = 'pending'
        returning m.id`,
    );
    return rows.length;
  }

  /** Hands memories whose writer's embedding failed to the worker now, rather than when the hold runs out. */
  async releaseHeld(workspaceId: string, contents: string[]): Promise<void> {
    await query(
      this.db,
      sql`update memories set embedding_retry_time = null
        where workspace_id = ${workspaceId} and content_fingerprint = any(${contents.map(fingerprintOf)}::text[])
          and content = any(${contents}::text[]) and embedding_status = 'pending' and embedding_attempts = 0`,
    );
  }

  /** The memories with these ids in the viewer's workspace, in the order given. */
  async findMany(viewer: Viewer, ids: string[]): Promise<MemoryRecord[]> {
    if (ids.length === 0) return [];
    const rows = await query<Row>(
      this.db,
      sql`select ${COLUMNS} from memories where id = any(${ids}::uuid[]) and ${visibleTo(viewer)}`,
    );
    const byId = new Map(rows.map((r) => [r.id, toRecord(r)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** Deletes for good what was deleted or expired before the cutoff. Returns how many. */
  async purge(cutoff: Date, batchSize: number): Promise<number> {
    const rows = await query<{ id: string }>(
      this.db,
      sql`delete from memories where (workspace_id, id) in (
          select workspace_id, id from memories
          where coalesce(delete_time, expire_time) < ${cutoff}
            and (delete_time is not null or expire_time is not null)
          limit ${batchSize})
        returning id`,
    );
    return rows.length;
  }
}

/**
 * The workspace, owner agent, subject and kind a draft is written under. Missing owner or
 * subject ids are matched with IS NULL rather than IS NOT DISTINCT FROM, which no index
 * serves: that form filtered tens of thousands of rows per keyed write at 100k memories.
 */
function atSubject(workspaceId: string, d: MemoryDraft): Sql {
  const agent = d.agentId === null ? sql`agent_id is null` : sql`agent_id = ${d.agentId}`;
  const subject = d.subjectId === null ? sql`subject_id is null` : sql`subject_id = ${d.subjectId}`;
  return sql`workspace_id = ${workspaceId} and ${agent} and subject_type = ${d.subjectType} and ${subject}
    and kind = ${d.kind}`;
}

/** The one row the natural key (memories_natural_key) allows for a keyed draft. */
function atNaturalKey(workspaceId: string, d: MemoryDraft): Sql {
  return sql`${atSubject(workspaceId, d)} and key = ${d.key}`;
}

/** The MemoryFilter as SQL conditions, always including the visibility rule. */
function filterConditions(viewer: Viewer, q: FilterQuery, now: Date): Sql[] {
  const where: Sql[] = [visibleTo(viewer)];
  if (q.subjectType !== undefined) where.push(sql`subject_type = ${q.subjectType}`);
  if (q.subjectId !== undefined) where.push(sql`subject_id = ${q.subjectId}`);
  if (q.kinds.length > 0) where.push(sql`kind = any(${q.kinds}::text[])`);
  if (q.tags.length > 0) where.push(sql`tags @> ${q.tags}::text[]`);
  if (q.anyTags.length > 0) where.push(sql`tags && ${q.anyTags}::text[]`);
  if (q.linkedEntity) where.push(sql`linked_entities @> ${JSON.stringify([q.linkedEntity])}::jsonb`);
  if (q.visibility !== undefined) where.push(sql`visibility = ${q.visibility}`);
  if (q.key !== undefined) where.push(sql`key = ${q.key}`);
  if (!q.showDeleted) where.push(sql`delete_time is null`);
  if (!q.showExpired) where.push(sql`(expire_time is null or expire_time > ${now})`);
  return where;
}

const DRAFT_COLUMNS = `agent_id, subject_type, subject_id, kind, key, content, content_fingerprint, title,
  visibility, metadata, tags, linked_entities, confidence, source_kind, source_id, provenance,
  parent_memory_id, expire_time`;

const REPLACE_FROM_EXCLUDED = DRAFT_COLUMNS.split(",")
  .map((c) => c.trim())
  .map((c) => `${c} = excluded.${c}`)
  .join(", ");

const EMBEDDING_COLUMNS = "embedding, embedding_model, embedding_status, embedding_attempts, embedding_retry_time";

function embeddingValues(embedded: WriteEmbedding): Sql {
  if (embedded === null) return sql`null::vector, null, 'pending', 0, null::timestamptz`;
  if ("heldUntil" in embedded) return sql`null::vector, null, 'pending', 0, ${embedded.heldUntil}::timestamptz`;
  return sql`${toSql(embedded.vector)}::vector, ${embedded.model}, 'attached', 0, null::timestamptz`;
}

function draftValues(d: MemoryDraft): Sql {
  return sql`${d.agentId}, ${d.subjectType}, ${d.subjectId}, ${d.kind}, ${d.key}, ${d.content},
    ${fingerprintOf(d.content)}, ${d.title}, ${d.visibility}, ${JSON.stringify(d.metadata)}::jsonb,
    ${d.tags}::text[], ${JSON.stringify(d.linkedEntities)}::jsonb, ${d.confidence}, ${d.sourceKind},
    ${d.sourceId}, ${d.provenance}, ${d.parentMemoryId}, ${d.expireTime}::timestamptz`;
}

/** What a keyless write is merged by, and its writers serialise on: owner, subject, kind and normalised content. */
export function keylessIdentity(
  workspaceId: string,
  d: Pick<MemoryDraft, "agentId" | "subjectType" | "subjectId" | "kind" | "content">,
): string {
  return [workspaceId, d.agentId, d.subjectType, d.subjectId, d.kind, fingerprintOf(d.content)].join("\u001f");
}

function fingerprintOf(content: string): string {
  return createHash("sha256").update(normaliseContent(content)).digest("hex");
}

interface Row {
  workspace_id: string;
  id: string;
  agent_id: string | null;
  subject_type: string;
  subject_id: string | null;
  kind: string;
  key: string | null;
  content: string;
  title: string;
  visibility: "private" | "shared";
  metadata: Record<string, unknown> | string;
  tags: string[] | string;
  linked_entities: { type: string; id: string }[] | string;
  confidence: number | string;
  source_kind: string | null;
  source_id: string | null;
  provenance: string | null;
  parent_memory_id: string | null;
  expire_time: Date | string | null;
  forget_reason: string | null;
  embedding_model: string | null;
  embedding_status: "attached" | "pending" | "failed";
  revision: number | string | bigint;
  create_time: Date | string;
  update_time: Date | string;
  delete_time: Date | string | null;
}

function single<T>(rows: T[]): T {
  const row = rows[0];
  if (row === undefined) throw new Error("expected one row from the database, got none");
  return row;
}

function toRecord(row: Row): MemoryRecord {
  return {
    workspaceId: row.workspace_id,
    id: row.id,
    agentId: row.agent_id,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    kind: row.kind,
    key: row.key,
    content: row.content,
    title: row.title,
    visibility: row.visibility,
    metadata: json(row.metadata),
    tags: typeof row.tags === "string" ? parseTextArray(row.tags) : row.tags,
    linkedEntities: json(row.linked_entities),
    confidence: Number(row.confidence),
    sourceKind: row.source_kind,
    sourceId: row.source_id,
    provenance: row.provenance,
    parentMemoryId: row.parent_memory_id,
    expireTime: date(row.expire_time),
    forgetReason: row.forget_reason,
    embeddingModel: row.embedding_model,
    embeddingStatus: row.embedding_status,
    revision: Number(row.revision),
    createTime: date(row.create_time) ?? new Date(0),
    updateTime: date(row.update_time) ?? new Date(0),
    deleteTime: date(row.delete_time),
  };
}

function json<T>(value: T | string): T {
  return typeof value === "string" ? (JSON.parse(value) as T) : value;
}

function date(value: Date | string | null): Date | null {
  if (value === null) return null;
  return value instanceof Date ? value : new Date(value);
}

function parseTextArray(literal: string): string[] {
  // Postgres only hands back a literal when the driver has no array parser; mirror toArrayLiteral.
  const inner = literal.slice(1, -1);
  if (inner === "") return [];
  const items: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|([^,]+)/g;
  for (const m of inner.matchAll(re)) {
    items.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : (m[2] ?? ""));
  }
  return items;
}
