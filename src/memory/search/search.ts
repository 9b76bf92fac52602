import type { EntityManager } from "@mikro-orm/sql";
import type { Viewer } from "../../auth/principal.js";
import type { Embedded, Embeddings } from "../../embedding/embeddings.js";
import type { MemoryRecord } from "../record.js";
import type { FilterQuery } from "../filters.js";
import type { MemoryRepository } from "../memory.repository.js";
import type { Candidate, RetrievalRepository } from "./retrieval.repository.js";
import { CommonWords, countScope } from "./common-words.js";
import { fuse } from "./ranking.js";

export type RetrievalMode = "hybrid" | "semantic" | "keyword";

export interface SearchQuery {
  text: string;
  filter: FilterQuery;
  topK: number;
  mode: RetrievalMode;
  /** Results scoring below this are left out; 0 keeps every result. */
  minScore: number;
}

export interface SearchHit {
  record: MemoryRecord;
  rank: number;
  score: number;
  semanticScore: number;
  keywordScore: number;
  /** The time the search ran at, which decides each memory's state (active, expired). */
  asOf: Date;
}

export interface MemorySearchDeps {
  em: EntityManager;
  embeddings: Embeddings;
  memories: (em: EntityManager) => MemoryRepository;
  retrieval: (em: EntityManager) => RetrievalRepository;
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
   * visibility inside the SQL); the hits are read and yielded in batches, so the first
   * results are on the wire before the last are read.
   */
  async search(viewer: Viewer, q: SearchQuery): Promise<{ mode: RetrievalMode; hits: AsyncGenerator<SearchHit> }> {
    const queryVector =
      q.mode === "keyword" ? null : await this.deps.embeddings.embedQuery(q.text, QUERY_EMBEDDING_TIMEOUT_MS);
    const mode = queryVector === null ? "keyword" : q.mode;
    return { mode, hits: this.hits(viewer, q, mode, queryVector) };
  }

  private async keywordMatches(
    repository: RetrievalRepository,
    viewer: Viewer,
    q: SearchQuery,
    pool: number,
    now: Date,
  ): Promise<Candidate[]> {
    const scope = countScope(viewer, q.filter);
    const { candidates, counted } = await repository.keywordMatches(
      viewer,
      q.filter,
      q.text,
      pool,
      now,
      this.commonWords.known(scope),
    );
    this.commonWords.record(scope, counted);
    return candidates;
  }

  private async *hits(
    viewer: Viewer,
    q: SearchQuery,
    mode: RetrievalMode,
    queryVector: Embedded | null,
  ): AsyncGenerator<SearchHit> {
    const { em, memories, retrieval, now: clock } = this.deps;
    const now = clock();
    const pool = candidatePool(mode, q.topK);
    const ranked = await em.fork().transactional(async (tem) => {
      const repository = retrieval(tem);
      const semantic =
        queryVector === null
          ? []
          : await repository.nearest(viewer, q.filter, queryVector.vector, queryVector.model, pool, now);
      const keyword = mode === "semantic" ? [] : await this.keywordMatches(repository, viewer, q, pool, now);
      return fuse(semantic, keyword).map((r) => ({
        ...r,
        score: mode === "hybrid" ? r.score : mode === "semantic" ? r.semanticScore : r.keywordScore,
      }));
    });
    const results = ranked
      .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
      // Compared as reported (a proto float): a result shown scoring exactly min_score is kept.
      .filter((r) => q.minScore === 0 || Math.fround(r.score) >= q.minScore)
      .slice(0, q.topK);
    let rank = 0;
    for (let i = 0; i < results.length; i += STREAM_BATCH) {
      const batch = results.slice(i, i + STREAM_BATCH);
      const found = await memories(em.fork()).findMany(
        viewer,
        batch.map((r) => r.id),
      );
      const records = new Map(found.map((m) => [m.id, m]));
      for (const r of batch) {
        const record = records.get(r.id);
        // Deleted between ranking and reading: leave it out rather than show a stale memory.
        if (record === undefined) continue;
        rank += 1;
        yield {
          record,
          rank,
          score: r.score,
          semanticScore: r.semanticScore,
          keywordScore: r.keywordScore,
          asOf: now,
        };
      }
    }
  }
}
