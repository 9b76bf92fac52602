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
   * Room for a call of about `pairs` passages, judged before they are read, or null when the model
   * is already too busy for it. A search reserves before it ranks, so that one the model is too
   * busy for ranks as the same search without rerank, at its cost; and the room stays counted as
   * waiting until released, so that of searches arriving together only as many as fit rank for
   * rerank. Release it just before score() (which may still refuse once it sees the passages), or
   * when the search ends without calling it.
   */
  reserve(pairs: number): RerankReservation | null;
  /** Releases its thread; the next score() loads the model again. */
  close(): Promise<void>;
}

/** Room reserved with a reranker; releasing it twice releases it once. */
export interface RerankReservation {
  release(): void;
}

/** Not ready yet, and nothing has failed: the model is being fetched or loaded. */
export class RerankerStarting extends Error {
  override readonly name = "RerankerStarting";
}

/** Too much is already waiting for the model: this search would wait longer than it is worth. */
export class RerankerBusy extends Error {
  override readonly name = "RerankerBusy";
}
