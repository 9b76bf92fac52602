import { join, resolve } from "node:path";
import type { Logger } from "pino";
import type { EmbeddingConfig } from "../embedding/create.js";
import { errorSummary } from "../logger.js";
import { LocalReranker } from "./local-reranker.js";
import { RERANK_MAX_TOKENS } from "./rerank.js";
import type { Reranker } from "./reranker.js";

/**
 * The reranker --reranker names ("none": no reranker). It reads its model from the embedder's
 * models directory and, like the embedder, fetches a missing model only when that directory is
 * the data directory's own.
 */
export function createReranker(
  model: string,
  embedding: Pick<EmbeddingConfig, "modelDir" | "modelHubUrl">,
  dataDir: string,
  logger: Logger,
): Reranker | null {
  if (model === "none") return null;
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
