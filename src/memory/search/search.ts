import type { EntityManager } from "@mikro-orm/sql";
import type { Viewer } from "../../auth/principal.js";
import type { Embedded, Embeddings } from "../../embedding/embeddings.js";
import type { MemoryRecord } from "../record.js";
import type { SuccessorNames } from "../successors.js";
import type { FilterQuery } from "../filters.js";
import type { MemoryRepository } from "../memory.repository.js";
import type { Candidate, RetrievalRepository } from "./retrieval.repository.js";
import { blend, passageOf, rerankDepth } from "../../rerank/rerank.js";
import { RerankerBusy, type RerankReservation, type Reranker } from "../../rerank/reranker.js";
import { CommonWords, countScope } from "./common-words.js";
import { QueryNames } from "./entity-names.js";
import { byScore, fuse, mayBeRaised, withEntityBonus, type Ranked } from "./ranking.js";

export type RetrievalMode = "hybrid" | "semantic" | "keyword";

export interface SearchQuery {
  text: string;
  filter: FilterQuery;
  topK: number;
  mode: RetrievalMode;
  /** Results scoring below this are left out; 0 keeps every result. */
  minScore: number;
  /** Reorder the fused results with the reranker (when it is ready). */
  rerank: boolean;
  /** Aborts when the caller goes away: the reranker drops the search's work. */
  signal?: AbortSignal;
}

/**
 * Whether a search that asked for rerank got it: "unavailable" when the server has no reranker,
 * its model is not loaded yet (being fetched, say), too many searches are waiting for it, or it
 * failed; the fused order is kept then.
 */
export type RerankOutcome = "applied" | "unavailable";

/** How a search that asked for rerank went, for the server's metrics and log. */
export type RerankEvent = { outcome: "applied" | "unavailable" | "busy" } | { outcome: "failed"; error: unknown };

export interface SearchHit {
  record: MemoryRecord;
  rank: number;
  score: number;
  semanticScore: number;
  keywordScore: number;
  /** The reranker's score, 0..1; 0 when the search was not reranked. */
  rerankScore: number;
  /** The time the search ran at, which decides each memory's state (active, expired). */
  asOf: Date;
}

export interface MemorySearchDeps {
  em: EntityManager;
  embeddings: Embeddings;
  memories: (em: EntityManager) => MemoryRepository;
  retrieval: (em: EntityManager) => RetrievalRepository;
  /** None: a search asking for rerank keeps the fused order. */
  reranker: Reranker | null;
  /** Told how each search that asked for rerank went. */
  onRerank: (event: RerankEvent) => void;
  /** What the results may name to the searcher (successors.ts). */
  successors: SuccessorNames;
  now: () => Date;
}

/**
 * How deep each retriever's list is read in HYBRID mode: fusion needs each retriever's view
 * beyond the top k to reorder it. Five times top k, at least 50, as cross-validation chose
 * (bench/fusion-tuning.ts); 50 for the default top 10.
 */
export function candidatePool(mode: RetrievalMode, topK: number): number {
  return mode === "hybrid" ? Math.min(Math.max(topK * 5, 50), 300) : topK;
}

/** How long a search waits for its query vector before answering by keyword alone. */
const QUERY_EMBEDDING_TIMEOUT_MS = 2_000;
/** Search results are read from the database, and streamed, in batches of this size. */
const STREAM_BATCH = 10;

/** Retrieval: the vector and keyword retrievers, their fusion, and results read in batches. */
export class MemorySearch {
  /** Words each search scope found common lately: counted once a minute, not per search. */
  private readonly commonWords = new CommonWords();

  constructor(private readonly deps: MemorySearchDeps) {}

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
    const room = q.rerank ? this.reserveReranker(q) : null;
    try {
      // A search that cannot rerank ranks as one that did not ask: the same results in the same order.
      const depth = room === null ? q.topK : rerankDepth(q.topK);
      const ranked = await this.rank(viewer, q, mode, queryVector, depth, now);
      if (!q.rerank) return { mode, rerank: null, hits: this.read(viewer, q, this.top(ranked, q), new Map(), now) };
      const reranked = room === null ? null : await this.rerank(room, viewer, q, ranked);
      if (reranked?.ranked == null) {
        // Shed or failed: the fused order, with the records already read for the reranker.
        const known = reranked?.records ?? new Map<string, MemoryRecord>();
        return { mode, rerank: "unavailable", hits: this.read(viewer, q, this.top(ranked, q), known, now) };
      }
      return {
        mode,
        rerank: "applied",
        hits: this.read(viewer, q, this.top(reranked.ranked, q), reranked.records, now),
      };
    } finally {
      room?.reservation.release();
    }
  }

  /**
   * The reranker and room reserved with it when its model is loaded and not already too busy for
   * this search; else null, and its loading starts in the background. A search it is too busy for
   * ranks as one that did not ask for rerank: the same pool, the same records read, at the same speed.
   */
  private reserveReranker(q: SearchQuery): Room | null {
    const { reranker, onRerank } = this.deps;
    if (reranker?.loaded === true) {
      const reservation = reranker.reserve(rerankDepth(q.topK));
      if (reservation !== null) return { reranker, reservation };
      onRerank({ outcome: "busy" });
      return null;
    }
    // The reranker reports its own load failures (and waits before trying again).
    reranker?.ready().catch(() => undefined);
    onRerank({ outcome: "unavailable" });
    return null;
  }

  private async keywordMatches(
    repository: RetrievalRepository,
    viewer: Viewer,
    q: SearchQuery,
    pool: number,
    now: Date,
  ): Promise<Candidate[]> {
    const scope = countScope(viewer, q.filter);
    const matches = await repository.keywordMatches(viewer, q.filter, q.text, pool, now, this.commonWords.known(scope));
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
    const pool = candidatePool(mode, depth);
    const ranked = await em.fork().transactional(async (tem) => {
      const repository = retrieval(tem);
      if (mode === "hybrid" && queryVector !== null) {
        return (await this.hybrid(repository, viewer, q, queryVector, pool, depth, now)).map((r) => ({
          ...r,
          rerankScore: 0,
        }));
      }
      const semantic =
        queryVector === null
          ? []
          : await repository.nearest(viewer, q.filter, queryVector.vector, queryVector.model, pool, now);
      const keyword = mode === "semantic" ? [] : await this.keywordMatches(repository, viewer, q, pool, now);
      return fuse(semantic, keyword).map((r) => ({
        ...r,
        score: mode === "semantic" ? r.semanticScore : r.keywordScore,
        rerankScore: 0,
      }));
    });
    return ranked.sort(byScore);
  }

  /**
   * HYBRID's results: each retriever's first `pool`, each scored by both retrievers, fused,
   * with the entity bonus for those the query names. Names are matched only where the bonus
   * can change the first `depth` (mayBeRaised).
   */
  private async hybrid(
    repository: RetrievalRepository,
    viewer: Viewer,
    q: SearchQuery,
    target: Embedded,
    pool: number,
    depth: number,
    now: Date,
  ): Promise<Ranked[]> {
    const scope = countScope(viewer, q.filter);
    const found = await repository.hybridCandidates(
      viewer,
      q.filter,
      q.text,
      target,
      pool,
      now,
      this.commonWords.known(scope),
    );
    this.commonWords.record(scope, found.counted);
    const ranked = fuse(found.semantic, found.keyword);
    const query = new QueryNames(q.text);
    if (query.empty) return ranked;
    const named = mayBeRaised(ranked, depth).filter((r) => query.names(found.namesOf(r.id)));
    return withEntityBonus(ranked, new Set(named.map((r) => r.id)));
  }

  /**
   * The first rerankDepth(top_k) results reordered by the reranker, with their records (read
   * once: the reranker needs their text, the response their all); no ranking when the reranker
   * is busy or failed.
   */
  private async rerank(
    { reranker, reservation }: Room,
    viewer: Viewer,
    q: SearchQuery,
    ranked: Scored[],
  ): Promise<{ ranked: Scored[] | null; records: Map<string, MemoryRecord> }> {
    const { memories, em, onRerank } = this.deps;
    const found = await memories(em.fork()).findMany(
      viewer,
      ranked.slice(0, rerankDepth(q.topK)).map((r) => r.id),
    );
    const records = new Map(found.filter((m) => stillMatches(m, q)).map((m) => [m.id, m]));
    const candidates = ranked.filter((r) => records.has(r.id));
    try {
      // Its room becomes the call's own, counted by score() before it awaits anything.
      reservation.release();
      const scores = await reranker.score(
        q.text,
        candidates.map((c) => passageOf(records.get(c.id) as MemoryRecord)),
        q.signal,
      );
      onRerank({ outcome: "applied" });
      return { ranked: blend(candidates, scores), records };
    } catch (err) {
      // No one is waiting for the results any more.
      if (q.signal?.aborted === true) throw err;
      onRerank(err instanceof RerankerBusy ? { outcome: "busy" } : { outcome: "failed", error: err });
      return { ranked: null, records };
    }
  }

  private top(ranked: Scored[], q: SearchQuery): Scored[] {
    return (
      ranked
        // Compared as reported (a proto float): a result shown scoring exactly min_score is kept.
        .filter((r) => q.minScore === 0 || Math.fround(r.score) >= q.minScore)
        .slice(0, q.topK)
    );
  }

  /** The results' records, in order, read in batches (those already read are not read again). */
  private async *read(
    viewer: Viewer,
    q: SearchQuery,
    results: Scored[],
    known: Map<string, MemoryRecord>,
    asOf: Date,
  ): AsyncGenerator<SearchHit> {
    const { em, memories } = this.deps;
    let rank = 0;
    for (let i = 0; i < results.length; i += STREAM_BATCH) {
      const batch = results.slice(i, i + STREAM_BATCH);
      const missing = batch.filter((r) => !known.has(r.id)).map((r) => r.id);
      const found = missing.length === 0 ? [] : await memories(em.fork()).findMany(viewer, missing);
      const records = new Map([...known, ...found.map((m) => [m.id, m] as const)]);
      const hits = batch.flatMap((r) => {
        const record = records.get(r.id);
        return record === undefined || !stillMatches(record, q) ? [] : [{ r, record }];
      });
      const shown = await this.deps.successors.carriers(viewer, hits);
      for (const { r, record } of shown) {
        rank += 1;
        yield {
          record,
          rank,
          score: r.score,
          semanticScore: r.semanticScore,
          keywordScore: r.keywordScore,
          rerankScore: r.rerankScore,
          asOf,
        };
      }
    }
  }
}

/** A reranker, and the room a search reserved with it. */
interface Room {
  reranker: Reranker;
  reservation: RerankReservation;
}

/** A ranked result with the score of the search's mode (and the reranker's, once reranked). */
type Scored = Ranked & { rerankScore: number };

/**
 * Whether a memory read after ranking is still one the search may show: deleted or superseded
 * since (a concurrent request), it is left out rather than shown stale, unless the filter asks
 * for such memories.
 */
function stillMatches(record: MemoryRecord, q: SearchQuery): boolean {
  return (
    (q.filter.showDeleted || record.deleteTime === null) && (q.filter.includeSuperseded || record.supersededBy === null)
  );
}
