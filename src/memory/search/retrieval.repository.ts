import { SqlEntityRepository, type EntityManager } from "@mikro-orm/sql";
import { vectorLiteral } from "../../db/vector-literal.js";
import type { Viewer } from "../../auth/principal.js";
import { withLocalSettings } from "../../db/local-settings.js";
import { query, sql, Sql } from "../../db/sql.js";
import { B, DF_CAP, K1, MAX_QUERY_WORDS, planKeywordSearch, type KeywordPlan, type TermCount } from "./bm25.js";
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
  /** How the candidates were scored, to score other memories alike (completions); null: none found. */
  scoring: KeywordScoring | null;
}

/** What a keyword search scored its candidates by: the query's words and their average length. */
export interface KeywordScoring {
  terms: KeywordPlan["terms"];
  idfTotal: number;
  /** The candidates' average length (distinct words), against which BM25 normalises. */
  averageLength: number;
  /**
   * The highest keyword score a memory outside the candidates can have. Every memory holding a
   * rare word was ranked, so one left out scored no more than the last candidate or holds only
   * common words (the most those can score is at the shortest length); when fewer than `limit`
   * were found, every memory holding a query word was ranked, and one left out scores 0.
   */
  ceiling: number;
}

/** What HYBRID fusion asks of some of its candidates (completions). */
export interface Completion {
  /** Memories to score on their words, as the keyword search scored its candidates; null: no word to score. */
  words: { ids: string[]; scoring: KeywordScoring } | null;
  /** Memories to score on their similarity to the query's vector, as nearest() does. */
  meaning: { ids: string[]; vector: number[]; model: string };
  /** Memories whose names to read, for the entity bonus. */
  names: string[];
}

export interface Completed {
  keyword: Candidate[];
  semantic: Candidate[];
  names: Map<string, string[]>;
}

/**
 * Memories are short, so a word counts once however often it occurs (tf 1): the IDF of the
 * query's words a memory holds.
 */
function matchedIdf(terms: KeywordPlan["terms"]): Sql {
  return Sql.join(
    terms.map((t) => sql`case when search @@ ${lexemeQuery(t.lexeme)}::tsquery then ${t.idf}::float8 else 0 end`),
    " + ",
  );
}

/** BM25 of a memory's matched IDF, scaled by its length (distinct words) against the average. */
function bm25(matched: Sql, length: Sql, averageLength: Sql): Sql {
  return sql`(${matched}) * ${K1 + 1}::float8
    / (1 + ${K1}::float8 * (${1 - B}::float8 + ${B}::float8 * (${length}) / (${averageLength})))`;
}

/** Cosine similarity from pgvector's distance, floored at 0: an opposite meaning is no more relevant than an unrelated one. */
function similarity(distance: number | string): number {
  return Math.max(0, 1 - Number(distance));
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
    const target = sql`${vectorLiteral(vector)}::vector`;
    const matching = sql`select id, embedding <=> ${target} as distance from memories where ${allOf(where)}`;
    // Ordered by the selected distance, which the HNSW index scan serves: the query vector is
    // sent, and parsed, once (on PGlite a 384-dimension literal costs about half a millisecond).
    let rows = await query<{ id: string; distance: number | string }>(
      this.em,
      sql`${matching} order by distance limit ${limit}`,
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
    return rows.map((r) => ({ id: r.id, score: similarity(r.distance) }));
  }

  /**
   * What HYBRID fusion still needs of some of its candidates, read by id in one statement under
   * the same filters and visibility as the retrievers: the other retriever's score of memories
   * only one returned (so a memory is weighed on both its words and its meaning, as one both
   * returned is, rather than as if it had nothing in common with the query on the other side),
   * and the names (subject id, title, linked entities' ids) of those the entity bonus could move.
   * A memory holding no query word scores 0 on words; one without a vector of the model is left
   * out of `semantic`.
   */
  async completions(
    viewer: Viewer,
    q: FilterQuery,
    { words, meaning, names }: Completion,
    now: Date,
  ): Promise<Completed> {
    const wordIds = words?.ids ?? [];
    const ids = [...new Set([...wordIds, ...meaning.ids, ...names])];
    if (ids.length === 0) return { keyword: [], semantic: [], names: new Map() };
    const wordScore =
      words === null
        ? sql`null::float8`
        : sql`case when id = any(${wordIds}::uuid[]) then ${bm25(
            matchedIdf(words.scoring.terms),
            sql`length(search)::float8`,
            sql`${words.scoring.averageLength}::float8`,
          )} end`;
    const distance =
      meaning.ids.length === 0
        ? sql`null::float8`
        : sql`case when id = any(${meaning.ids}::uuid[]) and embedding is not null
            and embedding_model = ${meaning.model} then embedding <=> ${vectorLiteral(meaning.vector)}::vector end`;
    const rows = await query<{ words: number | string | null; distance: number | string | null } & NameRow>(
      this.em,
      sql`select id, ${wordScore} as words, ${distance} as distance, subject_id, title, linked_entities
        from memories where ${allOf([...filterConditions(viewer, q, now), sql`id = any(${ids}::uuid[])`])}`,
    );
    const idfTotal = words?.scoring.idfTotal ?? 1;
    const named = new Set(names);
    return {
      keyword: rows.flatMap((r) =>
        r.words === null ? [] : [{ id: r.id, score: Math.min(1, Number(r.words) / idfTotal) }],
      ),
      semantic: rows.flatMap((r) => (r.distance === null ? [] : [{ id: r.id, score: similarity(r.distance) }])),
      names: new Map(rows.filter((r) => named.has(r.id)).map((r) => [r.id, namesOf(r)])),
    };
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
    if (plan.terms.length === 0) return { candidates: [], counted, scoring: null };
    const tierIds = await this.mostSharedCommonWords(filters, plan.common, limit);
    const rare = plan.rare.length > 0 ? sql`search @@ ${plan.rare.map(lexemeQuery).join(" | ")}::tsquery` : sql`false`;
    // Scored against the average length of the candidates.
    const rows = await query<{ id: string; score: number | string; average_length: number | string }>(
      this.em,
      sql`with candidates as (select id, ${matchedIdf(plan.terms)} as matched, length(search)::float8 as dl
            from memories
            where ${allOf([...filters, sql`(${rare} or id = any(${tierIds}::uuid[]))`])})
        select id, ${bm25(sql`matched`, sql`dl`, sql`avg(dl) over ()`)} as score, avg(dl) over () as average_length
          from candidates order by score desc, id limit ${limit}`,
    );
    const candidates = rows.map((r) => ({ id: r.id, score: Math.min(1, Number(r.score) / plan.idfTotal) }));
    const [first] = rows;
    if (first === undefined) return { candidates, counted, scoring: null };
    const common = new Set(plan.common);
    const commonIdf = plan.terms.reduce((sum, t) => sum + (common.has(t.lexeme) ? t.idf : 0), 0);
    const commonMost = (commonIdf * (K1 + 1)) / (1 + K1 * (1 - B)) / plan.idfTotal;
    return {
      candidates,
      counted,
      scoring: {
        terms: plan.terms,
        idfTotal: plan.idfTotal,
        averageLength: Number(first.average_length),
        ceiling: candidates.length < limit ? 0 : Math.min(1, Math.max(candidates.at(-1)?.score ?? 0, commonMost)),
      },
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
