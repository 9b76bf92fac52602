import type { Dtype } from "../models/model-fetch.js";
import { ModelFiles } from "../models/model-files.js";
import { ModelHost } from "../model-host/model-host.js";
import { RERANK_QUERY_MAX_TOKENS } from "./rerank.js";
import { RerankerBusy, RerankerStarting, type RerankReservation, type Reranker } from "./reranker.js";
import type { RerankRequest, RerankWorkerData } from "./rerank-worker.js";

export interface LocalRerankerOptions {
  /** A cross-encoder's model id, such as cross-encoder/ms-marco-MiniLM-L-12-v2. */
  model: string;
  /** A directory holding <model id>/{config.json,tokenizer*.json,onnx/model_quantized.onnx}. */
  modelDir: string;
  dtype: Dtype;
  /** Query and passage together are cut to this many tokens. */
  maxLength: number;
  /**
   * A call that would make more than this many tokens (estimated) wait for the model is refused
   * at once with RerankerBusy (default MAX_WAITING_TOKENS); a call that finds nothing waiting is
   * always taken.
   */
  maxWaitingTokens?: number;
  /** When set, a missing model is fetched into modelDir in the background (see ModelFiles). */
  fetch?: { hubUrl: string; log: (message: string) => void };
  /** Told when the model fails to load, and in how many seconds the next call tries again. */
  onLoadFailure?: (err: unknown, retryInSeconds: number) => void;
}

/**
 * Pairs per model run. The int8 model's scores depend on the run's other pairs (see the
 * thread), so this is fixed; with pairs grouped by length, 10 was as fast per pair as 20, and
 * 40 a third slower, on 2 cores. One pair per run gained two LoCoMo questions in 883 at
 * recall@10 for 1.65x the time (bench/README.md).
 */
const GROUP = 10;

/**
 * About five seconds of work on 2 cores, where a token of a pair costs 0.11-0.15 ms (4.3 ms for a
 * LoCoMo pair of about 40 tokens, 38 ms for a full one of 256): sixteen default searches at once
 * over short notes wait their turn, and a search that would queue behind more (a burst of large
 * top_k searches over long memories, say) keeps its order at once instead.
 */
const MAX_WAITING_TOKENS = 40_000;

/**
 * The nice value the reranker's thread runs at, and the pool threads ONNX Runtime starts from it,
 * which inherit it (on Linux a thread's nice value is its own). A burst of reranked searches keeps
 * every core busy for seconds, and on a small machine the model's threads outnumber the cores: at
 * the default priority, reads that use no model (GetMemory, the database's thread) and the
 * embedder's query embeddings waited their turn behind it. The embedder keeps the default: a
 * search waits on its query's embedding, and its background calls are bounded small instead.
 */
export const RERANKER_THREAD_NICE = 10;

/** Tokens a pair takes, estimated without the tokenizer: a token per 4 characters, up to the cut. */
const CHARS_PER_TOKEN = 4;

/**
 * A cross-encoder run with ONNX Runtime through transformers.js, on a thread of its own (a
 * ModelHost): calls wait their turn there, and one whose caller went away (its signal aborted:
 * the search was cancelled, its client gone) leaves without running, or stops at its next group
 * of pairs. Its work is counted in tokens (estimated), which the host's busy limit is set in.
 */
export class LocalReranker implements Reranker {
  readonly id: string;
  private readonly host: ModelHost<RerankWorkerData, RerankRequest, Float32Array>;
  /**
   * Tokens a pair took, estimated, in the calls so far (halfway to each new call's, so the last
   * few weigh most): what reserve() expects a search's pairs to take before it has read them.
   */
  private pairTokens: number;

  constructor(private readonly options: LocalRerankerOptions) {
    const { model, modelDir, dtype, maxLength } = options;
    this.id = `local:${model}:${dtype}`;
    this.pairTokens = maxLength;
    this.host = new ModelHost({
      entry: new URL("./rerank-worker.ts", import.meta.url),
      description: "the reranker's thread",
      data: { model, modelDir, dtype, maxLength, maxQueryLength: RERANK_QUERY_MAX_TOKENS, group: GROUP },
      nice: RERANKER_THREAD_NICE,
      files: new ModelFiles({ ...options, starting: RerankerStarting }),
      shed: {
        limit: options.maxWaitingTokens ?? MAX_WAITING_TOKENS,
        busy: (waiting) => new RerankerBusy(`about ${waiting} tokens are waiting for the reranker already`),
      },
      onLoadFailure: options.onLoadFailure,
    });
  }

  get loaded(): boolean {
    return this.host.state === "ready";
  }

  ready(): Promise<void> {
    return this.host.ready();
  }

  reserve(pairs: number): RerankReservation | null {
    return this.host.reserve(pairs * this.pairTokens);
  }

  async score(query: string, passages: string[], signal?: AbortSignal): Promise<number[]> {
    signal?.throwIfAborted();
    if (passages.length === 0) return [];
    // Counted before anything is awaited, so that calls made together are counted in turn.
    const tokens = this.estimatedTokens(query, passages);
    this.pairTokens = (this.pairTokens + tokens / passages.length) / 2;
    const logits = await this.host.call({ query, passages }, { cost: tokens, signal });
    return Array.from(logits, sigmoid);
  }

  close(): Promise<void> {
    return this.host.close();
  }

  private estimatedTokens(query: string, passages: string[]): number {
    const { maxLength } = this.options;
    return passages.reduce(
      (sum, passage) => sum + Math.min(maxLength, Math.ceil((query.length + passage.length) / CHARS_PER_TOKEN)),
      0,
    );
  }
}

/** The cross-encoder's logit as a probability of relevance, on the 0..1 scale of every other score. */
function sigmoid(logit: number): number {
  return 1 / (1 + Math.exp(-logit));
}
