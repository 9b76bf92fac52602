/**
 * Which callers a text is for: a search waiting on its query, or writes and the background worker.
 * A local embedder runs each lane on a thread of its own, so a query never waits behind a backlog.
 */
export type Lane = "query" | "background";

/** Turns texts into vectors. Implementations: local ONNX models and OpenAI-compatible APIs. */
export interface Embedder {
  /** Recorded on every row it embeds, e.g. "local:Xenova/all-MiniLM-L6-v2:q8". */
  readonly id: string;
  /** Known once ready() has resolved. */
  readonly dimensions: number;
  /**
   * The size of its vectors as far as it is known without loading the model or calling the API,
   * for the start-up check; undefined when only ready() can tell.
   */
  declaredDimensions?(): Promise<number | undefined>;
  /** Loads the model or checks the endpoint; rejects when the embedder cannot work. */
  ready(): Promise<void>;
  /** One unit-length vector per text, in order; `lane` says for whom (background when unset). */
  embed(texts: string[], lane?: Lane): Promise<number[][]>;
  /** Releases what it holds (a local model's thread); the next embed() takes it again. */
  close?(): Promise<void>;
  /** What to embed for a search query, for models trained with an instruction before queries. */
  queryText?(query: string): string;
}

/** An error that retrying the same input will not fix (the input itself is refused). */
export class PermanentEmbeddingError extends Error {
  override readonly name = "PermanentEmbeddingError";
}

/** Not ready yet, and nothing has failed: the embedder is still coming up (a model being fetched). */
export class EmbedderStarting extends Error {
  override readonly name = "EmbedderStarting";
}
