/** Scores how well passages answer a query, for the rerank stage of a search (src/rerank/rerank.ts). */
export interface Reranker {
  /** Names the model, e.g. "local:cross-encoder/ms-marco-MiniLM-L-12-v2:q8". */
  readonly id: string;
  /** Whether a score() now would run the model rather than throw RerankerStarting. */
  readonly loaded: boolean;
  /** Starts loading the model (fetching it first if missing); rejects when it cannot load. */
  ready(): Promise<void>;
  /**
   * The relevance of each passage to the query, 0..1 (higher is more relevant), in order. Rejects
   * with the signal's reason once it aborts, and the work is dropped.
   */
  score(query: string, passages: string[], signal?: AbortSignal): Promise<number[]>;
  /**
   * Whether a call of about `pairs` passages would be taken now, judged before they are read (a
   * search asks before it ranks, so that one the model is already too busy for ranks as the same
   * search without rerank, at its cost); score() may still refuse once it sees the passages.
   */
  admits(pairs: number): boolean;
  /** Releases its thread; the next score() loads the model again. */
  close(): Promise<void>;
}

/** Not ready yet, and nothing has failed: the model is being fetched or loaded. */
export class RerankerStarting extends Error {
  override readonly name = "RerankerStarting";
}

/** Too much is already waiting for the model: this search would wait longer than it is worth. */
export class RerankerBusy extends Error {
  override readonly name = "RerankerBusy";
}
