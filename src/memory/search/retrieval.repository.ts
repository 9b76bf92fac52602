import { SqlEntityRepository, type EntityManager } from "@mikro-orm/sql";
import type { Viewer } from "../../auth/principal.js";
import type { Embedded } from "../../embedding/embeddings.js";
import { setLocalSettings, withLocalSettings } from "../../db/local-settings.js";
import { query, type Sql } from "../../db/sql.js";
import { graphReachStatement } from "./graph-statements.js";
import { planKeywordSearch, type KeywordPlan, type TermCount } from "./bm25.js";
import { filterConditions, type FilterQuery } from "../filters.js";
import { MemoryEntity, type MemoryRow } from "../memory.entity.js";
import { keywordTiers, lexemeQuery } from "./keyword-tiers.js";
import { hybridCandidatesOf, similarity, type HybridCandidates, type HybridRow } from "./hybrid-rows.js";
import {
  hybridStatement,
  keywordStatement,
  nearestStatement,
  tierStatement,
  wordCountsStatement,
  type Ranking,
  vectorScanSettings,
  WALK_THE_TEXT_INDEX,
} from "./retrieval-statements.js";

export type { HybridCandidates } from "./hybrid-rows.js";

/** A memory a retriever found, with that retriever's score. */
export interface Candidate {
  id: string;
  score: number;
}

/** Whose eyes a retriever looks through, what it filters on, and the time that decides each memory's state. */
export interface RetrievalScope {
  viewer: Viewer;
  filter: FilterQuery;
  now: Date;
  /** How many candidates to read. */
  limit: number;
}

/** A vector search: the query vector, of its model. */
export interface NearestOptions extends RetrievalScope {
  target: Embedded;
}

/** A keyword search: the question, and the words taken as common without a count (see CommonWords). */
export interface KeywordOptions extends RetrievalScope {
  text: string;
  knownCommon?: readonly string[];
  /**
   * How many memories of a tier of common words stop the widening (mostSharedCommonWords):
   * `limit` unless said. HYBRID says its depth, since its nearest memories are scored by
   * their words whichever tier they are in.
   */
  enough?: number;
}

/**
 * HYBRID: both searches at once; with `nameKeys` (queryNameKeys, graph expansion on), also up to
 * `limit` memories the entities they name reach.
 */
export type HybridOptions = NearestOptions & KeywordOptions & { nameKeys?: string[] };

/** A keyword search's candidates, and the words whose memories it counted (for CommonWords). */
export interface KeywordMatches {
  candidates: Candidate[];
  counted: TermCount[];
}

/** A keyword search whose words are counted and weighed, and whose common words' tier is read. */
interface KeywordSearch {
  counted: TermCount[];
  plan: KeywordPlan;
  /** The memories sharing the most common words (mostSharedCommonWords). */
  tierIds: string[];
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
  async nearest({ viewer, filter, now, limit, target }: NearestOptions): Promise<Candidate[]> {
    await setLocalSettings(this.em, vectorScanSettings(limit));
    const values = { filters: filterConditions(viewer, filter, now), ...target, limit };
    const rows = await this.inFullOrExactly<{ id: string; distance: number | string; nearest: true }>(
      limit,
      (ranking) => nearestStatement(values, ranking),
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
  async hybridCandidates(options: HybridOptions): Promise<HybridCandidates> {
    const { viewer, filter, now, limit, target } = options;
    const filters = filterConditions(viewer, filter, now);
    const { counted, plan, tierIds } = await withLocalSettings(
      this.em,
      WALK_THE_TEXT_INDEX,
      () => this.keywordSearch(filters, options),
      vectorScanSettings(limit),
    );
    const nearest = { filters, ...target, limit };
    const keyword = { filters, plan, tierIds, limit };
    const graph = await this.graphReach(viewer, filters, options.nameKeys ?? [], limit);
    const rows = await this.inFullOrExactly<HybridRow>(limit, (ranking) =>
      hybridStatement(nearest, keyword, ranking, graph),
    );
    return hybridCandidatesOf(rows, plan.idfTotal, counted);
  }

  /** The memories the entities named by `keys` reach, up to `limit` of them to add; none, no graph. */
  private async graphReach(viewer: Viewer, filters: Sql[], keys: string[], limit: number) {
    if (keys.length === 0) return undefined;
    const rows = await query<{ id: string; link: number }>(
      this.em,
      graphReachStatement({ workspaceId: viewer.workspaceId, keys, filters }),
    );
    if (rows.length === 0) return undefined;
    const linked = (link: number) => rows.filter((r) => Number(r.link) === link).map((r) => r.id);
    return { named: linked(1), neighbours: linked(2), limit };
  }

  /**
   * Runs a vector statement ranking the nearest by the HNSW index; when that comes up short of
   * `limit` nearest rows, runs it again ranking them exactly. The HNSW graph is approximate: an
   * iterative scan can run out of reachable nodes (or hnsw.max_scan_tuples) before a selective
   * filter has found `limit` rows.
   */
  private async inFullOrExactly<Row extends { nearest: boolean }>(
    limit: number,
    statement: (ranking: Ranking) => Sql,
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
  async keywordMatches(options: KeywordOptions): Promise<KeywordMatches> {
    const { viewer, filter, now, limit } = options;
    // The planner prices a tier's many-branched tsquery like one cheap operator per row and
    // would rather test it on every row of the table than walk the GIN index (7 ms against
    // 27 ms at 10k memories), or, under a LIMIT, walk the primary key testing it row by row
    // (fine while matches are dense, a whole-workspace walk when they are not). So these
    // statements, and only these, plan with sequential and plain index scans off.
    return withLocalSettings(this.em, WALK_THE_TEXT_INDEX, async () => {
      const filters = filterConditions(viewer, filter, now);
      const { counted, plan, tierIds } = await this.keywordSearch(filters, options);
      if (plan.terms.length === 0) return { candidates: [], counted };
      const rows = await query<{ id: string; score: number | string }>(
        this.em,
        keywordStatement({ filters, plan, tierIds, limit }),
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
    { text, limit, knownCommon = [], enough = limit }: KeywordOptions,
  ): Promise<KeywordSearch> {
    const words = await query<{ lexeme: string; df: number; counted: boolean }>(
      this.em,
      wordCountsStatement(filters, text, knownCommon),
    );
    const counted = words.filter((w) => w.counted).map(({ lexeme, df }) => ({ lexeme, df }));
    const plan = planKeywordSearch(words);
    const tierIds =
      plan.terms.length === 0 ? [] : await this.mostSharedCommonWords(filters, plan.common, limit, enough);
    return { counted, plan, tierIds };
  }

  /**
   * The memories sharing the most of these (common) words: all of them, then any n-1, ..., then
   * any one, stopping at the first tier that holds `enough` (see keyword-tiers.ts). A tier is
   * read up to twice the page, which BM25 then ranks with the rare words' memories. Each wider
   * tier costs more than the last (at 100k, six common words: 0.6, 6.6 then 19 ms; decision 0036).
   */
  private async mostSharedCommonWords(
    filters: Sql[],
    words: string[],
    limit: number,
    enough: number,
  ): Promise<string[]> {
    const queries = keywordTiers(words.map(lexemeQuery));
    if (queries === null) return [];
    let ids: string[] = [];
    for (const tier of queries.tiers) {
      const rows = await query<{ id: string }>(this.em, tierStatement(filters, tier, 2 * limit));
      ids = rows.map((r) => r.id);
      if (ids.length >= enough) break;
    }
    return ids;
  }
}
