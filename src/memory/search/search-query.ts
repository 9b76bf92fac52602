import type { MemoryRecord } from "../record.js";
import type { FilterQuery } from "../filters.js";
import type { GraphLinkValue } from "./hybrid-rows.js";
import type { Ranked } from "./ranking.js";

/** What a search asks for and what it answers: MemorySearch's side of the service. */

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
  /** HYBRID: let the entities the query names bring their and their neighbours' memories (decision 0026). */
  graph: boolean;
  /** The weights and depths it ranks with: the workspace's search settings. */
  tuning: SearchTuning;
  /** Aborts when the caller goes away: the reranker drops the search's work. */
  signal?: AbortSignal;
}

/** The numbers a search ranks with, which a workspace may set (engram.v1.SearchSettings). */
export interface SearchTuning {
  /** HYBRID: the semantic score's weight in the fused score (fuse, ranking.ts). */
  semanticWeight: number;
  /** HYBRID: the candidates each retriever reads for 10 results (candidatePool, search.ts). */
  candidatePool: number;
  /** The fused results the reranker reads (rerankDepth, rerank.ts). */
  rerankCandidates: number;
  /** The reranker's score's weight in a reranked score (blend, rerank.ts). */
  rerankWeight: number;
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
  /** How the query's entities reach the memory: 1 named, 2 a neighbour, 0 neither or graph expansion off. */
  graphLink: GraphLinkValue;
  /** The time the search ran at, which decides each memory's state (active, expired). */
  asOf: Date;
}

/** A ranked result with the score of the search's mode (and the reranker's, once reranked), and its graph link. */
export type Scored = Ranked & { rerankScore: number; graphLink: GraphLinkValue };
