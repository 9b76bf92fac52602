import { SqlEntityRepository, type EntityManager } from "@mikro-orm/sql";
import { toSql } from "pgvector";
import type { Viewer } from "../../auth/principal.js";
import { withLocalSettings } from "../../db/local-settings.js";
import { query, sql, Sql } from "../../db/sql.js";
import { B, DF_CAP, K1, MAX_QUERY_WORDS, planKeywordSearch, type TermCount } from "./bm25.js";
import { allOf, filterConditions, type FilterQuery } from "../filters.js";
import { MemoryEntity, type MemoryRow } from "../memory.entity.js";
import { keywordTiers, lexemeQuery } from "./keyword-tiers.js";

/**
 * lexemeQuery() in SQL, over a column named `lexeme`, for the statement that reads a question's
 * words and counts their memories at once (test/service/keyword-words.test.ts holds the two to
 * the same output).
 */
export const QUOTED_LEXEME = sql`'''' || replace(replace(lexeme, '\\', '\\\\'), '''', '''''') || ''''`;

/** A memory a retriever found, with that retriever's score. */
export interface Candidate {
  id: string;
  score: number;
}

interface NameRow {
  id: string;
  subject_id: string | null;
  title: string;
  linked_entities: { type: string; id: string }[] | string;
}

function namesOf(row: NameRow): string[] {
  const linked =
    typeof row.linked_entities === "string"
      ? (JSON.parse(row.linked_entities) as { id: string }[])
      : row.linked_entities;
  const names = [row.subject_id ?? "", row.title, ...linked.map((e) => e.id)];
  return names.filter((n) => n !== "");
}

/** A keyword search's candidates, and the words whose memories it counted (for CommonWords). */
export interface KeywordMatches {
  candidates: Candidate[];
  counted: TermCount[];
}

/** The two retrievers' queries: nearest vectors and full-text matches, filters and visibility inside. */
export class RetrievalRepository extends SqlEntityRepository<MemoryRow> {
  /** Bind to the ranking transaction's entity manager. */
  constructor(em: EntityManager) {
    super(em, MemoryEntity);
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
      this.em,
      sql`select set_config('hnsw.iterative_scan', 'strict_order', true),
        set_config('hnsw.ef_search', ${String(Math.max(40, limit))}, true)`,
    );
    const where = [...filterConditions(viewer, q, now), sql`embedding is not null`, sql`embedding_model = ${model}`];
    const target = sql`${toSql(vector)}::vector`;
    const matching = sql`select id, embedding <=> ${target} as distance from memories where ${allOf(where)}`;
    let rows = await query<{ id: string; distance: number | string }>(
      this.em,
      sql`${matching} order by embedding <=> ${target} limit ${limit}`,
    );
    if (rows.length < limit) {
      // The HNSW graph is approximate: an iterative scan can run out of reachable nodes (or
      // hnsw.max_scan_tuples) before a selective filter has found `limit` rows. When it comes up
      // short, rank the rows passing the filter exactly (the materialized CTE keeps the index out).
      rows = await query<{ id: string; distance: number | string }>(
        this.em,
        sql`with matching as materialized (${matching}) select id, distance from matching
          order by distance, id limit ${limit}`,
      );
    }
    // Cosine similarity, floored at 0: an opposite meaning is no more relevant than an unrelated one.
    return rows.map((r) => ({ id: r.id, score: Math.max(0, 1 - Number(r.distance)) }));
  }

  /**
   * What a query may name each of these memories by (entity-aware ranking): its subject id,
   * linked entities' ids and title. Read after fusion for the few results the bonus could move
   * (ranking.ts mayBeRaised), under the same filters and visibility as the retrievers.
   */
  async names(viewer: Viewer, q: FilterQuery, ids: string[], now: Date): Promise<Map<string, string[]>> {
    if (ids.length === 0) return new Map();
    const rows = await query<NameRow>(
      this.em,
      sql`select id, subject_id, title, linked_entities from memories
        where ${allOf([...filterConditions(viewer, q, now), sql`id = any(${ids}::uuid[])`])}`,
    );
    return new Map(rows.map((r) => [r.id, namesOf(r)]));
  }

  /**
   * Full-text matches over title, content, tags and metadata values, best first, ranked by
   * BM25 (see bm25.ts): IDF from the memories this search may see, a word counted once, and
   * length normalisation. Scores are normalised to 0..1 (`keywordScore`). Only a bounded
   * candidate set is scored: the rare words' memories and the memories sharing the most
   * common words. Words in `knownCommon` (see CommonWords) are taken as common without a count.
   */
  async keywordMatches(
    viewer: Viewer,
    q: FilterQuery,
    text: string,
    limit: number,
    now: Date,
    knownCommon: readonly string[] = [],
  ): Promise<KeywordMatches> {
    // The planner prices a tier's many-branched tsquery like one cheap operator per row and
    // would rather test it on every row of the table than walk the GIN index (7 ms against
    // 27 ms at 10k memories), or, under a LIMIT, walk the primary key testing it row by row
    // (fine while matches are dense, a whole-workspace walk when they are not). So these
    // statements, and only these, plan with sequential and plain index scans off.
    return withLocalSettings(this.em, { enable_seqscan: "off", enable_indexscan: "off" }, () =>
      this.rankedMatches(filterConditions(viewer, q, now), text, limit, knownCommon),
    );
  }

  private async rankedMatches(
    filters: Sql[],
    text: string,
    limit: number,
    knownCommon: readonly string[],
  ): Promise<KeywordMatches> {
    // The question's distinct words in the order it uses them, the first MAX_QUERY_WORDS only
    // (each costs a count, so a 4,096-character query must not cost hundreds), each with how many
    // memories hold it, up to DF_CAP, counted through the full-text index unless known to be
    // common. One statement: the words' tsqueries are quoted here as lexemeQuery() quotes them.
    const words = await query<{ lexeme: string; df: number; counted: boolean }>(
      this.em,
      sql`select w.lexeme, w.counted, case when w.counted then (select count(*) from (select 1 from memories
            where ${allOf([...filters, sql`search @@ w.query::tsquery`])} limit ${DF_CAP}) matching)::int
            else ${DF_CAP}::int end as df
        from (select lexeme, positions[1] as first, ${QUOTED_LEXEME} as query,
            lexeme <> all(${knownCommon}::text[]) as counted
          from unnest(to_tsvector('english', ${text})) order by positions[1], lexeme limit ${MAX_QUERY_WORDS}) w
        order by w.first, w.lexeme`,
    );
    const counted = words.filter((w) => w.counted).map(({ lexeme, df }) => ({ lexeme, df }));
    const plan = planKeywordSearch(words);
    if (plan.terms.length === 0) return { candidates: [], counted };
    const tierIds = await this.mostSharedCommonWords(filters, plan.common, limit);
    const rare = plan.rare.length > 0 ? sql`search @@ ${plan.rare.map(lexemeQuery).join(" | ")}::tsquery` : sql`false`;
    // Memories are short, so a word counts once however often it occurs (tf 1): the score is the
    // IDF of the words a memory holds, scaled by BM25's length normalisation against the average
    // length of the candidates (length: distinct words).
    const matchedIdf = Sql.join(
      plan.terms.map(
        (t) => sql`case when search @@ ${lexemeQuery(t.lexeme)}::tsquery then ${t.idf}::float8 else 0 end`,
      ),
      " + ",
    );
    const rows = await query<{ id: string; score: number | string }>(
      this.em,
      sql`with candidates as (select id, ${matchedIdf} as matched, length(search)::float8 as dl
            from memories
            where ${allOf([...filters, sql`(${rare} or id = any(${tierIds}::uuid[]))`])})
        select id, matched * ${K1 + 1}::float8
            / (1 + ${K1}::float8 * (${1 - B}::float8 + ${B}::float8 * dl / avg(dl) over ())) as score
          from candidates order by score desc, id limit ${limit}`,
    );
    return {
      candidates: rows.map((r) => ({ id: r.id, score: Math.min(1, Number(r.score) / plan.idfTotal) })),
      counted,
    };
  }

  /**
   * The memories sharing the most of these (common) words: all of them, then any n-1, ..., then
   * any one, stopping at the first tier that fills the page (see keyword-tiers.ts). A tier is
   * read up to twice the page, which BM25 then ranks with the rare words' memories.
   */
  private async mostSharedCommonWords(filters: Sql[], words: string[], limit: number): Promise<string[]> {
    const queries = keywordTiers(words.map(lexemeQuery));
    if (queries === null) return [];
    let ids: string[] = [];
    for (const tier of queries.tiers) {
      const rows = await query<{ id: string }>(
        this.em,
        sql`select id from memories where ${allOf([...filters, sql`search @@ ${tier}::tsquery`])}
          limit ${2 * limit}`,
      );
      ids = rows.map((r) => r.id);
      if (ids.length >= limit) break;
    }
    return ids;
  }
}
