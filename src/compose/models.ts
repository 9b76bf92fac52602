import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { Database } from "../db/orm.js";
import { createEmbedder } from "../embedding/create.js";
import type { Embedder } from "../embedding/embedder.js";
import { Embeddings } from "../embedding/embeddings.js";
import { EmbeddingQueueRepository } from "../memory/queue/embedding-queue.repository.js";
import type { ServerMetrics } from "../metrics.js";
import { createReranker } from "../rerank/create.js";
import type { Reranker } from "../rerank/reranker.js";

export interface ModelOptions {
  /** Replaces the configured embedder (tests and benchmarks inject theirs). */
  embedder?: Embedder | null;
  /**
   * Listen only once the embedder has answered (tests and benchmarks that write at once). By
   * default the server listens first and brings the embedder up in the background.
   */
  awaitEmbedder?: boolean;
  /** Replaces the configured reranker (tests and benchmarks inject theirs). */
  reranker?: Reranker | null;
  /**
   * Listen only once the reranker's model has loaded (benchmarks that rerank at once). By default
   * it loads when a search first asks for rerank.
   */
  awaitReranker?: boolean;
}

export interface Models {
  embeddings: Embeddings;
  /** None: searches that ask for rerank keep the fused order. */
  reranker: Reranker | null;
  /** Closes the models this server created (not the ones passed in). */
  close(): Promise<void>;
}

/** The embedder and reranker, configured or passed in, as far up as the options ask. */
export async function prepareModels(
  config: Config,
  logger: Logger,
  db: Database,
  metrics: ServerMetrics,
  options: ModelOptions,
): Promise<Models> {
  // Injected embedders belong to whoever passed them in, and outlive this server.
  const ownEmbedder = options.embedder === undefined ? createEmbedder(config.embedding, config.dataDir, logger) : null;
  const embeddings = new Embeddings(options.embedder ?? ownEmbedder, {
    budgetMs: config.embedding.budgetMs,
    logger,
    onBatch: (seconds, texts, failed) => metrics.observeEmbedding(seconds, texts, failed ? "error" : "ok"),
  });
  const columnDimensions = await new EmbeddingQueueRepository(db.em.fork()).columnDimensions();
  if (options.awaitEmbedder === true) await embeddings.start(columnDimensions);
  else await embeddings.prepare(columnDimensions);
  // Loaded when a search first asks for it: a server whose clients never rerank never fetches
  // or holds the model. Injected rerankers, like embedders, outlive this server.
  const ownReranker =
    options.reranker === undefined
      ? createReranker(config.reranker, config.remoteReranker, config.embedding, config.dataDir, logger)
      : null;
  const reranker = options.reranker === undefined ? ownReranker : options.reranker;
  if (options.awaitReranker === true) await reranker?.ready();
  return {
    embeddings,
    reranker,
    async close() {
      await ownEmbedder?.close?.();
      await ownReranker?.close();
    },
  };
}
