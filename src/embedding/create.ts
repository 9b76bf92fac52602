import { join, resolve } from "node:path";
import type { Logger } from "pino";
import type { Embedder } from "./embedder.js";
import { LocalEmbedder } from "./local.js";
import { OpenAIEmbedder } from "./openai.js";

export const DEFAULT_LOCAL_MODEL = "Xenova/all-MiniLM-L6-v2";
export const DEFAULT_OPENAI_MODEL = "text-embedding-3-small";

/** The embedder settings of the server's configuration (src/config.ts). */
export interface EmbeddingConfig {
  provider: "local" | "openai" | "none";
  /** Model id; the provider's default when unset. */
  model: string | undefined;
  /** Where local models are read from; nothing is downloaded when set. Unset: <data dir>/models, fetched into. */
  modelDir: string | undefined;
  /** The Hugging Face hub (or a mirror), tried before registry packages when a model is fetched. */
  modelHubUrl: string;
  dtype: "q8" | "fp32";
  openaiBaseUrl: string;
  openaiApiKey: string | undefined;
  dimensions: number;
  budgetMs: number;
}

/** The embedder the configuration asks for, or null for none. */
export function createEmbedder(config: EmbeddingConfig, dataDir: string, logger: Logger): Embedder | null {
  switch (config.provider) {
    case "none":
      return null;
    case "local":
      return new LocalEmbedder({
        model: config.model ?? DEFAULT_LOCAL_MODEL,
        modelDir: resolve(config.modelDir ?? join(dataDir, "models")),
        dtype: config.dtype,
        fetch:
          config.modelDir === undefined
            ? { hubUrl: config.modelHubUrl, log: (message) => logger.info(message) }
            : undefined,
      });
    case "openai":
      return new OpenAIEmbedder({
        baseUrl: config.openaiBaseUrl,
        model: config.model ?? DEFAULT_OPENAI_MODEL,
        apiKey: config.openaiApiKey,
        dimensions: config.dimensions,
        timeoutMs: 30_000,
      });
  }
}
