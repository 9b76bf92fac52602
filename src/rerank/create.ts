import { join, resolve } from "node:path";
import type { Logger } from "pino";
import type { EmbeddingConfig } from "../embedding/create.js";
import { errorSummary } from "../logger.js";
import { LocalReranker } from "./local-reranker.js";
import { RemoteReranker, type RemoteRerankerOptions } from "./remote-reranker.js";
import { RERANK_MAX_TOKENS } from "./rerank.js";
import type { Reranker } from "./reranker.js";

/** How a --reranker URL is called (--reranker-api, --reranker-model, ...). */
export type RemoteRerankerConfig = Pick<
  RemoteRerankerOptions,
  "api" | "model" | "apiKey" | "timeoutMs" | "concurrency"
>;

/**
 * The reranker --reranker names ("none": no reranker). An http(s) URL is a rerank API; anything
 * else a model read from the embedder's models directory, which, like the embedder, fetches a
 * missing model only when that directory is the data directory's own.
 */
export function createReranker(
  model: string,
  remote: RemoteRerankerConfig,
  embedding: Pick<EmbeddingConfig, "modelDir" | "modelHubUrl">,
  dataDir: string,
  logger: Logger,
): Reranker | null {
  if (model === "none") return null;
  if (/^https?:\/\//i.test(model)) {
    const reranker = new RemoteReranker({
      ...remote,
      url: model,
      onFailure: (err, retryInSeconds) =>
        logger.warn(
          { reranker: reranker.id, error: errorSummary(err), retryInSeconds },
          "reranker call failed: searches asking for rerank keep their order until it answers again",
        ),
    });
    return reranker;
  }
  return new LocalReranker({
    model,
    modelDir: resolve(embedding.modelDir ?? join(dataDir, "models")),
    dtype: "q8",
    maxLength: RERANK_MAX_TOKENS,
    fetch:
      embedding.modelDir === undefined
        ? { hubUrl: embedding.modelHubUrl, log: (message) => logger.info(message) }
        : undefined,
    onLoadFailure: (err, retryInSeconds) =>
      logger.warn(
        { model, error: errorSummary(err), retryInSeconds },
        "reranker unavailable: searches asking for rerank keep their order",
      ),
  });
}
