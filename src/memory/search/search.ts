import type { EntityManager } from "@mikro-orm/sql";
import type { Viewer } from "../../auth/principal.js";
import type { Embedded, Embeddings } from "../../embedding/embeddings.js";
import type { MemoryRecord } from "../record.js";
import type { RetrievalRepository, Candidate } from "./retrieval.repository.js";
import { rerankDepth } from "../../rerank/rerank.js";
import { CommonWords, countScope } from "./common-words.js";
import { QueryNames } from "./entity-names.js";
import { byScore, fuse, mayBeRaised, withEntityBonus, withGraphBonus } from "./ranking.js";
import { queryNameKeys } from "./query-name-keys.js";
import { readHits, topOf, type HitReading } from "./search-hits.js";
import type { RerankOutcome, RetrievalMode, Scored, SearchHit, SearchQuery } from "./search-query.js";
import { rerankResults, reserveReranker, type Reranking } from "./search-rerank.js";

// MemorySearch's callers name its modes and rerank events from here.
export type { RerankEvent, RetrievalMode } from "./search-query.js";

export interface MemorySearchDeps extends HitReading, Reranking {
  embeddings: Embeddings;
  retrieval: (em: EntityManager) => RetrievalRepository;
  now: () => Date;
}

/** HYBRID's candidates per retriever for 10 results, unless the workspace says otherwise. */
export const CANDIDATE_POOL = 50;

/** The most candidates a HYBRID retriever reads, whatever the depth and setting. */
const MAX_CANDIDATE_POOL = 300;

/**
 * How deep each retriever's list is read in HYBRID mode: fusion needs each retriever's view
 * beyond the top k to reorder it. `perTen` for the first 10 results, in proportion beyond
 * (five times the depth by default, as cross-validation chose: bench/fusion-tuning.ts), at
 * most 300.
 */
export function candidatePool(mode: RetrievalMode, depth: number, perTen = CANDIDATE_POOL): number {
  if (mode !== "hybrid") return depth;
  return Math.min(Math.ceil((Math.max(depth, 10) * perTen) / 10), MAX_CANDIDATE_POOL);
}

/** How long a search waits for its query vector before answering by keyword alone. */
const QUERY_EMBEDDING_TIMEOUT_MS = 2_000;

/** Retrieval: the vector and keyword retrievers, their fusion, and results read in batches. */
export class MemorySearch {
  /** Words each search scope found common lately: counted once a minute, not per search. */
  private readonly commonWords = new CommonWords();

  constructor(private readonly deps: MemorySearchDeps) {}

  /** Forgets what searches of a workspace remembered of its memories (after an erasure). */
  forgetWorkspace(workspaceId: string | null): void {
    this.commonWords.forgetWorkspace(workspaceId);
  }

  /**
   * Embeds the query (the mode that runs is known from here on: KEYWORD when no embedder
   * answered), then ranks in one transaction (the vector and text queries, filters and
   * visibility inside the SQL), and reranks when asked. The hits are read and yielded in
   * batches, so the first results are on the wire before the last are read.
   */
  async search(
    viewer: Viewer,
    q: SearchQuery,
  ): Promise<{ mode: RetrievalMode; rerank: RerankOutcome | null; hits: AsyncGenerator<SearchHit> }> {
    const queryVector =
      q.mode === "keyword" ? null : await this.deps.embeddings.embedQuery(q.text, QUERY_EMBEDDING_TIMEOUT_MS);
    const mode = queryVector === null ? "keyword" : q.mode;
    const now = this.deps.now();
    const room = q.rerank ? reserveReranker(this.deps, q) : null;
    try {
      // A search that cannot rerank ranks as one that did not ask: the same results in the same order.
      const depth = room === null ? q.topK : rerankDepth(q.topK, q.tuning.rerankCandidates);
      const ranked = await this.rank(viewer, q, mode, queryVector, depth, now);
      if (!q.rerank) {
        return { mode, rerank: null, hits: readHits(this.deps, viewer, q, topOf(ranked, q), new Map(), now) };
      }
      const reranked = room === null ? null : await rerankResults(this.deps, room, viewer, q, ranked);
      if (reranked?.ranked == null) {
        // Shed or failed: the fused order, with the records already read for the reranker.
        const known = reranked?.records ?? new Map<string, MemoryRecord>();
        return { mode, rerank: "unavailable", hits: readHits(this.deps, viewer, q, topOf(ranked, q), known, now) };
      }
      return {
        mode,
        rerank: "applied",
        hits: readHits(this.deps, viewer, q, topOf(reranked.ranked, q), reranked.records, now),
      };
    } finally {
      room?.reservation.release();
    }
  }

  private async keywordMatches(
    repository: RetrievalRepository,
    viewer: Viewer,
    q: SearchQuery,
    pool: number,
    now: Date,
  ): Promise<Candidate[]> {
    const scope = countScope(viewer, q.filter);
    const matches = await repository.keywordMatches({
      viewer,
      filter: q.filter,
      now,
      text: q.text,
      limit: pool,
      knownCommon: this.commonWords.known(scope),
    });
    this.commonWords.record(scope, matches.counted);
    return matches.candidates;
  }

  /** Every candidate of the mode's retrievers, with the score of the mode, best first. */
  private async rank(
    viewer: Viewer,
    q: SearchQuery,
    mode: RetrievalMode,
    queryVector: Embedded | null,
    /** How many results this search shows or reranks: HYBRID scores them in full and exactly. */
    depth: number,
    now: Date,
  ): Promise<Scored[]> {
    const { em, retrieval } = this.deps;
    const pool = candidatePool(mode, depth, q.tuning.candidatePool);
    const ranked = await em.fork().transactional(async (tem) => {
      const repository = retrieval(tem);
      if (mode === "hybrid" && queryVector !== null) {
        return this.hybrid(repository, viewer, q, queryVector, pool, depth, now);
      }
      const semantic =
        queryVector === null
          ? []
          : await repository.nearest({ viewer, filter: q.filter, now, target: queryVector, limit: pool });
      const keyword = mode === "semantic" ? [] : await this.keywordMatches(repository, viewer, q, pool, now);
      return fuse(semantic, keyword, q.tuning.semanticWeight).map((r) => ({
        ...r,
        score: mode === "semantic" ? r.semanticScore : r.keywordScore,
        rerankScore: 0,
        graphLink: 0 as const,
      }));
    });
    return ranked.sort(byScore);
  }

  /**
   * HYBRID's results: each retriever's first `pool`, each scored by both retrievers, fused, with
   * graph expansion the memories the query's entities reach and their bonus, then the entity
   * bonus for those the query names. Names are matched only where the bonus can change the
   * first `depth` (mayBeRaised).
   */
  private async hybrid(
    repository: RetrievalRepository,
    viewer: Viewer,
    q: SearchQuery,
    target: Embedded,
    pool: number,
    depth: number,
    now: Date,
  ): Promise<Scored[]> {
    const scope = countScope(viewer, q.filter);
    const found = await repository.hybridCandidates({
      viewer,
      filter: q.filter,
      now,
      text: q.text,
      target,
      limit: pool,
      knownCommon: this.commonWords.known(scope),
      // A tier of common words holding the depth is enough: memories sharing fewer of them are
      // still scored by their words when they are among the nearest (decision 0036).
      enough: depth,
      ...(q.graph ? { nameKeys: queryNameKeys(q.text) } : {}),
    });
    this.commonWords.record(scope, found.counted);
    const fused = fuse(found.semantic, found.keyword, q.tuning.semanticWeight);
    const ranked = q.graph ? withGraphBonus(fused, found.linkOf) : fused;
    const query = new QueryNames(q.text);
    const named = query.empty ? [] : mayBeRaised(ranked, depth).filter((r) => query.names(found.namesOf(r.id)));
    return withEntityBonus(ranked, new Set(named.map((r) => r.id))).map((r) => ({
      ...r,
      rerankScore: 0,
      graphLink: found.linkOf(r.id),
    }));
  }
}
