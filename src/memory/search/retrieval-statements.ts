import { vectorLiteral } from "../../db/vector-literal.js";
import { sql, Sql } from "../../db/sql.js";
import { B, DF_CAP, K1, MAX_QUERY_WORDS, type KeywordPlan } from "./bm25.js";
import { allOf } from "../filters.js";
import { lexemeQuery } from "./keyword-tiers.js";
import { graphCte, graphLink, type GraphReach } from "./graph-statements.js";

/**
 * The retrievers' statements, each built from named fragments whose values are bound where the
 * fragment names them. What each sends is in src/memory/search/__sql__ (docs/architecture.md, "Reviewable SQL").
 */

/**
 * lexemeQuery() in SQL, over a column named `lexeme`, for the statement that reads a question's
 * words and counts their memories at once (test/service/keyword-words.test.ts holds the two to
 * the same output).
 */
export const QUOTED_LEXEME = sql`'''' || replace(replace(lexeme, '\\', '\\\\'), '''', '''''') || ''''`;

/** A memory's names as read for the entity bonus (the linked entities as text, parsed only if asked for). */
const NAMES = sql`subject_id, title, linked_entities::text as linked_entities`;

/** The planner settings of the keyword search's statements (see keywordMatches). */
export const WALK_THE_TEXT_INDEX = { enable_seqscan: "off", enable_indexscan: "off" };

/** pgvector's settings for a vector search reading `limit` rows (iterative, in exact distance order). */
export function vectorScanSettings(limit: number): Record<string, string> {
  return { "hnsw.iterative_scan": "strict_order", "hnsw.ef_search": String(Math.max(40, limit)) };
}

/** How a vector statement ranks the nearest memories: by the HNSW index, or exactly (see inFullOrExactly). */
export type Ranking = "index" | "exact";

/** The values of a vector search: the query vector of a model, and how many of the nearest to read. */
export interface NearestValues {
  /** The filters and visibility (filterConditions). */
  filters: Sql[];
  vector: number[];
  model: string;
  limit: number;
}

/** The values of a keyword search: the weighed words (planKeywordSearch), and the common words' tier. */
export interface KeywordValues {
  filters: Sql[];
  plan: KeywordPlan;
  /** The memories sharing the most common words (mostSharedCommonWords). */
  tierIds: string[];
  limit: number;
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

/** The `target` CTE: the query vector, sent (and parsed) once per statement. */
function targetCte(vector: number[]): Sql {
  return sql`target as (select ${vectorLiteral(vector)}::vector as v)`;
}

/**
 * The `keyword` CTE: the first `limit` of the rare words' memories and the common words' tier,
 * by BM25 against the candidates' average length (`average_length`), with the `columns` asked
 * for.
 */
function keywordCte({ filters, plan, tierIds, limit }: KeywordValues, columns: Sql): Sql {
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
function nearestCte({ filters, model, limit }: NearestValues, columns: Sql, ranking: Ranking): Sql {
  const where = allOf([...filters, sql`embedding is not null`, sql`embedding_model = ${model}`]);
  const distance = sql`embedding <=> (select v from target)`;
  return ranking === "index"
    ? sql`nearest as (select id, ${distance} as distance${columns} from memories where ${where}
          order by distance limit ${limit})`
    : sql`matching as materialized (select id, ${distance} as distance from memories where ${where}),
        closest as (select id, distance from matching order by distance, id limit ${limit}),
        nearest as (select closest.id, closest.distance${columns}
          from closest join memories on memories.id = closest.id order by closest.distance, closest.id)`;
}

/** The nearest memories and their distance (RetrievalRepository.nearest). */
export function nearestStatement(values: NearestValues, ranking: Ranking): Sql {
  return sql`with ${targetCte(values.vector)}, ${nearestCte(values, sql``, ranking)}
        select id, distance, true as nearest from nearest`;
}

/** The keyword matches and their score (RetrievalRepository.keywordMatches). */
export function keywordStatement(values: KeywordValues): Sql {
  return sql`with ${keywordCte(values, sql``)} select id, score from keyword`;
}

/**
 * HYBRID's statement (RetrievalRepository.hybridCandidates): the nearest memories, each with
 * its word score against the keyword matches' average length (`words`), then the keyword
 * matches, each with its distance unless it is among the nearest; both with their names. With
 * no weighed word, `keyword` is empty and no word score is taken. With `graph`, the memories
 * the query's entities reach (graphReachStatement) follow, scored both ways as the nearest are,
 * and every row says how the entities reach it (`link`, graph-statements.ts).
 */
export function hybridStatement(
  nearest: NearestValues,
  keyword: KeywordValues,
  ranking: Ranking,
  graph?: GraphReach,
): Sql {
  const { model, limit } = nearest;
  const scored = keyword.plan.terms.length > 0;
  const carried = sql`, embedding, embedding_model, ${NAMES}`;
  const keywordMatches = scored
    ? keywordCte(keyword, carried)
    : sql`keyword as (select null::uuid as id, null::float8 as score, null::float8 as average_length${carried}
          from memories where false)`;
  const words = scored
    ? bm25(
        matchedIdf(keyword.plan.terms),
        sql`length(search)::float8`,
        sql`(select average_length from keyword limit 1)`,
      )
    : sql`null::float8`;
  // When the index comes up short, the statement is run again ranking exactly: it sends
  // nothing the first time (a one-time filter), rather than every candidate's names.
  const full = ranking === "index" ? sql`(select count(*) from nearest) = ${limit}` : sql`true`;
  const ctes = sql`${targetCte(nearest.vector)}, ${keywordMatches}, ${nearestCte(nearest, sql`, ${words} as words, ${NAMES}`, ranking)}`;
  const rows = sql`select id, true as nearest, distance, words, subject_id, title, linked_entities from nearest where ${full}
          union all
          select id, false, case when embedding is not null and embedding_model = ${model}
              and id not in (select id from nearest) then embedding <=> (select v from target) end,
            score, subject_id, title, linked_entities
          from keyword where ${full}`;
  if (graph === undefined)
    return sql`with ${ctes}
          ${rows}`;
  const distance = sql`embedding <=> (select v from target)`;
  return sql`with ${ctes}, ${graphCte(graph, nearest.filters, sql`, ${words} as words, ${NAMES}`, distance, model)},
        found as (${rows}
          union all
          select id, false, distance, words, subject_id, title, linked_entities from graph where ${full})
        select id, nearest, distance, words, subject_id, title, linked_entities, ${graphLink(graph)} as link from found`;
}

/**
 * The question's distinct words in the order it uses them, the first MAX_QUERY_WORDS only,
 * each with how many memories hold it, up to DF_CAP, unless `knownCommon` (one statement: the
 * words' tsqueries are quoted here as lexemeQuery() quotes them).
 */
export function wordCountsStatement(filters: Sql[], text: string, knownCommon: readonly string[]): Sql {
  return sql`select w.lexeme, w.counted, case when w.counted then (select count(*) from (select 1 from memories
            where ${allOf([...filters, sql`search @@ w.query::tsquery`])} limit ${DF_CAP}) matching)::int
            else ${DF_CAP}::int end as df
        from (select lexeme, positions[1] as first, ${QUOTED_LEXEME} as query,
            lexeme <> all(${knownCommon}::text[]) as counted
          from unnest(to_tsvector('english', ${text})) order by positions[1], lexeme limit ${MAX_QUERY_WORDS}) w
        order by w.first, w.lexeme`;
}

/** One tier of common words (keyword-tiers.ts): up to `read` memories matching its tsquery. */
export function tierStatement(filters: Sql[], tier: string, read: number): Sql {
  return sql`select id from memories where ${allOf([...filters, sql`search @@ ${tier}::tsquery`])}
          limit ${read}`;
}
