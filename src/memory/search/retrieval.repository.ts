import { SqlEntityRepository, type EntityManager } from "@mikro-orm/sql";
import { vectorLiteral } from "../../db/vector-literal.js";
import type { Viewer } from "../../auth/principal.js";
import { setLocalSettings, withLocalSettings } from "../../db/local-settings.js";
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
  subject_id: string | null;
  title: string;
  /** JSON text: an array of { type, id }. */
  linked_entities: string;
}

function namesOf(row: NameRow): string[] {
  const linked = JSON.parse(row.linked_entities) as { id: string }[];
  return [row.subject_id ?? "", row.title, ...linked.map((e) => e.id)].filter((n) => n !== "");
}

/** A keyword search's candidates, and the words whose memories it counted (for CommonWords). */
export interface KeywordMatches {
  candidates: Candidate[];
  counted: TermCount[];
}

/**
 * HYBRID's candidates: the nearest memories and the keyword matches, each scored by both
 * retrievers (a memory is weighed on both its words and its meaning, as one both returned is,
 * rather than as if it had nothing in common with the query on the side that left it out),
 * with their names for the entity bonus.
 */
export interface HybridCandidates {
  /** The similarity of every candidate with a vector of the query's model. */
  semantic: Candidate[];
  /** The word score of every candidate holding a query word. */
  keyword: Candidate[];
  /** A candidate's names: its subject id, its title, its linked entities' ids (read when asked for). */
  namesOf: (id: string) => string[];
  /** The words whose memories the keyword search counted (for CommonWords). */
  counted: TermCount[];
}

/** A keyword search whose words are counted and weighed, and whose common words' tier is read. */
interface KeywordSearch {
  counted: TermCount[];
  plan: KeywordPlan;
  /** The memories sharing the most common words (mostSharedCommonWords). */
  tierIds: string[];
}

/** A row of the HYBRID statement: a nearest memory or a keyword match, with both scores and its names. */
interface HybridRow extends NameRow {
  id: string;
  nearest: boolean;
  distance: number | string | null;
  /** BM25 (before normalising by the query's total IDF); null without a query word. */
  words: number | string | null;
}

/** A memory's names as read for the entity bonus (the linked entities as text, parsed only if asked for). */
const NAMES = sql`subject_id, title, linked_entities::text as linked_entities`;

/** The planner settings of the keyword search's statements (see keywordMatches). */
const WALK_THE_TEXT_INDEX = { enable_seqscan: "off", enable_indexscan: "off" };

/** pgvector's settings for a vector search reading `limit` rows (iterative, in exact distance order). */
function vectorScanSettings(limit: number): Record<string, string> {
  return { "hnsw.iterative_scan": "strict_order", "hnsw.ef_search": String(Math.max(40, limit)) };
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

/**
 * The `keyword` CTE: the first `limit` of the rare words' memories and the common words' tier,
 * by BM25 against the candidates' average length (`average_length`), with the `columns` asked
 * for.
 */
function keywordSql(filters: Sql[], plan: KeywordPlan, tierIds: string[], limit: number, columns: Sql): Sql {
  const rare = plan.rare.length > 0 ? sql`search @@ ${plan.rare.map(lexemeQuery).join(" | ")}::tsquery` : sql`false`;
  return sql`candidates as (select id, ${matchedIdf(plan.terms)} as matched, length(search)::float8 as dl${columns}
      from memories where ${allOf([...filters, sql`(${rare} or id = any(${tierIds}::uuid[]))`])}),
    keyword as (select id, ${bm25(sql`matched`, sql`dl`, sql`avg(dl) over ()`)} as score,
        avg(dl) over () as average_length${columns}
      from candidates order by score desc, id limit ${limit})`;
}

/**
 * The `nearest` CTE: the `limit` memories with a vector of the model nearest to the `target`
 * CTE's, with their `distance` and the `columns` asked for; ranked by the HNSW index (which
 * serves the order of the selected distance, so the query vector appears once), or exactly,
 * every row passing the filters ranked (the materialized CTE keeps the index out) and the
 * columns read for the first `limit` only.
 */
function nearestSql(filters: Sql[], model: string, limit: number, columns: Sql): (ranking: "index" | "exact") => Sql {
  const where = allOf([...filters, sql`embedding is not null`, sql`embedding_model = ${model}`]);
  const distance = sql`embedding <=> (select v from target)`;
  return (ranking) =>
    ranking === "index"
      ? sql`nearest as (select id, ${distance} as distance${columns} from memories where ${where}
          order by distance limit ${limit})`
      : sql`matching as materialized (select id, ${distance} as distance from memories where ${where}),
        closest as (select id, distance from matching order by distance, id limit ${limit}),
        nearest as (select closest.id, closest.distance${columns}
          from closest join memories on memories.id = closest.id order by closest.distance, closest.id)`;
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
    await setLocalSettings(this.em, vectorScanSettings(limit));
    const nearest = nearestSql(filterConditions(viewer, q, now), model, limit, sql``);
    const rows = await this.inFullOrExactly<{ id: string; distance: number | string; nearest: true }>(
      limit,
      (ranking) => sql`with target as (select ${vectorLiteral(vector)}::vector as v), ${nearest(ranking)}
        select id, distance, true as nearest from nearest`,
    );
    return rows.map((r) => ({ id: r.id, score: similarity(r.distance) }));
  }

  /**
   * HYBRID's two retrievers, each scoring the other's candidates: the keyword matches (as
   * keywordMatches() finds them) with their similarity to the query vector, and the nearest
   * memories (as nearest() finds them) with their word scores, against the keyword matches'
   * average length. The keyword matches and the nearest memories are read in one statement, so
   * the query vector is sent, and parsed, once (on PGlite a 384-dimension literal costs about
   * half a millisecond), and a keyword match's vector is read with its row.
   */
  async hybridCandidates(
    viewer: Viewer,
    q: FilterQuery,
    text: string,
    { vector, model }: { vector: number[]; model: string },
    limit: number,
    now: Date,
    knownCommon: readonly string[] = [],
  ): Promise<HybridCandidates> {
    const filters = filterConditions(viewer, q, now);
    const { counted, plan, tierIds } = await withLocalSettings(
      this.em,
      WALK_THE_TEXT_INDEX,
      () => this.keywordSearch(filters, text, limit, knownCommon),
      vectorScanSettings(limit),
    );
    const scored = plan.terms.length > 0;
    const carried = sql`, embedding, embedding_model, ${NAMES}`;
    const keyword = scored
      ? keywordSql(filters, plan, tierIds, limit, carried)
      : sql`keyword as (select null::uuid as id, null::float8 as score, null::float8 as average_length${carried}
          from memories where false)`;
    const words = scored
      ? bm25(matchedIdf(plan.terms), sql`length(search)::float8`, sql`(select average_length from keyword limit 1)`)
      : sql`null::float8`;
    const nearest = nearestSql(filters, model, limit, sql`, ${words} as words, ${NAMES}`);
    const rows = await this.inFullOrExactly<HybridRow>(limit, (ranking) => {
      // When the index comes up short, the statement is run again ranking exactly: it sends
      // nothing the first time (a one-time filter), rather than every candidate's names.
      const full = ranking === "index" ? sql`(select count(*) from nearest) = ${limit}` : sql`true`;
      return sql`with target as (select ${vectorLiteral(vector)}::vector as v), ${keyword}, ${nearest(ranking)}
          select id, true as nearest, distance, words, subject_id, title, linked_entities from nearest where ${full}
          union all
          select id, false, case when embedding is not null and embedding_model = ${model}
              and id not in (select id from nearest) then embedding <=> (select v from target) end,
            score, subject_id, title, linked_entities
          from keyword where ${full}`;
    });
    const idfTotal = plan.idfTotal;
    const inKeyword = new Set(rows.filter((r) => !r.nearest).map((r) => r.id));
    const byId = new Map(rows.map((r) => [r.id, r]));
    return {
      semantic: rows.flatMap((r) => (r.distance === null ? [] : [{ id: r.id, score: similarity(r.distance) }])),
      keyword: rows.flatMap((r) =>
        r.words === null || (r.nearest && inKeyword.has(r.id))
          ? []
          : [{ id: r.id, score: Math.min(1, Number(r.words) / idfTotal) }],
      ),
      namesOf: (id) => {
        const row = byId.get(id);
        return row === undefined ? [] : namesOf(row);
      },
      counted,
    };
  }

  /**
   * Runs a vector statement ranking the nearest by the HNSW index; when that comes up short of
   * `limit` nearest rows, runs it again ranking them exactly. The HNSW graph is approximate: an
   * iterative scan can run out of reachable nodes (or hnsw.max_scan_tuples) before a selective
   * filter has found `limit` rows.
   */
  private async inFullOrExactly<Row extends { nearest: boolean }>(
    limit: number,
    statement: (ranking: "index" | "exact") => Sql,
  ): Promise<Row[]> {
    const rows = await query<Row>(this.em, statement("index"));
    const nearest = rows.filter((r) => r.nearest).length;
    return nearest === limit ? rows : query<Row>(this.em, statement("exact"));
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
    return withLocalSettings(this.em, WALK_THE_TEXT_INDEX, async () => {
      const filters = filterConditions(viewer, q, now);
      const { counted, plan, tierIds } = await this.keywordSearch(filters, text, limit, knownCommon);
      if (plan.terms.length === 0) return { candidates: [], counted };
      const rows = await query<{ id: string; score: number | string }>(
        this.em,
        sql`with ${keywordSql(filters, plan, tierIds, limit, sql``)} select id, score from keyword`,
      );
      return {
        candidates: rows.map((r) => ({ id: r.id, score: Math.min(1, Number(r.score) / plan.idfTotal) })),
        counted,
      };
    });
  }

  /**
   * The question's distinct words in the order it uses them, the first MAX_QUERY_WORDS only
   * (each costs a count, so a 4,096-character query must not cost hundreds), each with how many
   * memories hold it, up to DF_CAP, counted through the full-text index unless known to be
   * common; weighed (planKeywordSearch); and the memories sharing the most common words.
   */
  private async keywordSearch(
    filters: Sql[],
    text: string,
    limit: number,
    knownCommon: readonly string[],
  ): Promise<KeywordSearch> {
    // One statement: the words' tsqueries are quoted here as lexemeQuery() quotes them.
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
    const tierIds = plan.terms.length === 0 ? [] : await this.mostSharedCommonWords(filters, plan.common, limit);
    return { counted, plan, tierIds };
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
