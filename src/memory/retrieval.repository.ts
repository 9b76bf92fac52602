import { SqlEntityRepository, type EntityManager, type SqlEntityManager } from "@mikro-orm/sql";
import { toSql } from "pgvector";
import type { Viewer } from "../auth/principal.js";
import { query, sql } from "../db/sql.js";
import { allOf, filterConditions, type FilterQuery } from "./memory-filters.js";
import { MemoryEntity, type MemoryRow } from "./memory.entity.js";
import { keywordTiers, lexemeQuery } from "./keyword-tiers.js";

/** A memory a retriever found, with that retriever's score. */
export interface Candidate {
  id: string;
  score: number;
}

/** The two retrievers' queries: nearest vectors and full-text matches, filters and visibility inside. */
export class RetrievalRepository extends SqlEntityRepository<MemoryRow> {
  /** Bind to the ranking transaction's entity manager. */
  constructor(em: EntityManager) {
    super(em as SqlEntityManager, MemoryEntity);
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
      this.em,
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
            this.em,
            sql`select word from unnest(${words}::text[]) as word
              where exists (select 1 from memories where ${allOf([...filters, sql`search @@ word::tsquery`])})`,
          );
    const queries = keywordTiers(present.map((r) => r.word));
    if (queries === null) return [];
    let rows: { id: string; rank: number | string }[] = [];
    for (const tier of queries.tiers) {
      rows = await query(
        this.em,
        sql`select id, ts_rank_cd(search, ${queries.any}::tsquery) as rank from memories
          where ${allOf([...filters, sql`search @@ ${tier}::tsquery`])}
          order by rank desc, id limit ${limit}`,
      );
      if (rows.length === limit) break;
    }
    return rows.map((r) => ({ id: r.id, score: Number(r.rank) }));
  }
}
