import type { Dtype } from "../models/model-fetch.js";
import { ModelFiles } from "../models/model-files.js";
import { ModelRetries } from "../models/model-retries.js";
import { WorkerThread } from "../worker-thread.js";
import { RERANK_QUERY_MAX_TOKENS } from "./rerank.js";
import { RerankerBusy, RerankerStarting, type RerankReservation, type Reranker } from "./reranker.js";
import type { RerankReply, RerankRequest, RerankStart, RerankWorkerData } from "./rerank-worker.js";

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

/** A call waiting for the thread, or on it. */
interface Job {
  query: string;
  passages: string[];
  /** Set to 1 when its caller goes away: the thread stops at its next group (rerank-worker.ts). */
  cancelled: Int32Array;
  signal: AbortSignal | undefined;
  resolve(logits: Float32Array): void;
  reject(err: unknown): void;
}

/**
 * A cross-encoder run with ONNX Runtime through transformers.js, on a thread of its own. Calls
 * wait here, one on the thread at a time, so that a call whose caller went away (its signal
 * aborted: the search was cancelled, its client gone) leaves the queue without running, and a
 * call already running stops at its next group of pairs.
 */
export class LocalReranker implements Reranker {
  readonly id: string;
  private thread: Promise<WorkerThread<RerankRequest, RerankReply>> | undefined;
  private started: WorkerThread<RerankRequest, RerankReply> | undefined;
  private readonly files: ModelFiles;
  /** Tokens (estimated) sent to the thread or about to be, not answered yet. */
  private waitingTokens = 0;
  /** Tokens (estimated) that searches holding a reservation will send once they have ranked. */
  private reservedTokens = 0;
  /** The last load's failure, repeated to every call until retryAt. */
  private failure: { error: Error; retryAt: number } | undefined;
  private readonly retries = new ModelRetries();
  /**
   * Tokens a pair took, estimated, in the calls so far (halfway to each new call's, so the last
   * few weigh most): what reserve() expects a search's pairs to take before it has read them.
   */
  private pairTokens: number;
  /** Calls waiting for the thread, first come first served. */
  private readonly queue: Job[] = [];
  private running = false;

  constructor(private readonly options: LocalRerankerOptions) {
    this.id = `local:${options.model}:${options.dtype}`;
    this.pairTokens = options.maxLength;
    this.files = new ModelFiles({ ...options, starting: (message) => new RerankerStarting(message) });
  }

  get loaded(): boolean {
    return this.started !== undefined && !this.started.stopped;
  }

  async ready(): Promise<void> {
    await this.load();
  }

  reserve(pairs: number): RerankReservation | null {
    const tokens = pairs * this.pairTokens;
    if (this.refuses(tokens)) return null;
    this.reservedTokens += tokens;
    let held = true;
    return {
      release: () => {
        if (held) this.reservedTokens -= tokens;
        held = false;
      },
    };
  }

  async score(query: string, passages: string[], signal?: AbortSignal): Promise<number[]> {
    signal?.throwIfAborted();
    if (passages.length === 0) return [];
    // Counted before anything is awaited, so that calls made together are counted in turn.
    const tokens = this.estimatedTokens(query, passages);
    this.pairTokens = (this.pairTokens + tokens / passages.length) / 2;
    if (this.refuses(tokens)) {
      throw new RerankerBusy(`about ${this.waitingTokens} tokens are waiting for the reranker already`);
    }
    this.waitingTokens += tokens;
    let settle!: Pick<Job, "resolve" | "reject">;
    const answered = new Promise<Float32Array>((resolve, reject) => (settle = { resolve, reject }));
    const job: Job = { query, passages, cancelled: new Int32Array(new SharedArrayBuffer(4)), signal, ...settle };
    const abandon = () => this.abandon(job);
    signal?.addEventListener("abort", abandon, { once: true });
    this.queue.push(job);
    void this.next();
    try {
      return Array.from(await answered, sigmoid);
    } finally {
      signal?.removeEventListener("abort", abandon);
      this.waitingTokens -= tokens;
    }
  }

  /** Whether a call of `tokens` would wait too long: a call that finds nothing waiting is always taken. */
  private refuses(tokens: number): boolean {
    const limit = this.options.maxWaitingTokens ?? MAX_WAITING_TOKENS;
    const waiting = this.waitingTokens + this.reservedTokens;
    return waiting > 0 && waiting + tokens > limit;
  }

  /** Its caller went away: a waiting call leaves the queue; a running one is told to stop. */
  private abandon(job: Job): void {
    Atomics.store(job.cancelled, 0, 1);
    const waiting = this.queue.indexOf(job);
    if (waiting >= 0) this.queue.splice(waiting, 1);
    job.reject(job.signal?.reason);
  }

  /** Runs the calls waiting, one at a time. */
  private async next(): Promise<void> {
    if (this.running) return;
    this.running = true;
    for (let job = this.queue.shift(); job !== undefined; job = this.queue.shift()) {
      try {
        job.resolve(await this.run(job));
      } catch (err) {
        job.reject(err);
      }
    }
    this.running = false;
  }

  private async run({ query, passages, cancelled }: Job): Promise<Float32Array> {
    const thread = await this.load();
    const reply = await thread.call({ query, passages, cancelled }).catch((err: unknown) => {
      // A thread that died (out of memory, say) is started again by the next call.
      if (thread.stopped) this.forget();
      throw err;
    });
    if ("error" in reply) throw Object.assign(new Error(reply.error.message), { name: reply.error.name });
    return reply.logits;
  }

  private estimatedTokens(query: string, passages: string[]): number {
    const { maxLength } = this.options;
    return passages.reduce(
      (sum, passage) => sum + Math.min(maxLength, Math.ceil((query.length + passage.length) / CHARS_PER_TOKEN)),
      0,
    );
  }

  async close(): Promise<void> {
    const thread = this.thread;
    this.forget();
    await thread?.then(
      (t) => t.terminate(),
      () => undefined,
    );
  }

  private forget(): void {
    this.thread = undefined;
    this.started = undefined;
  }

  private load(): Promise<WorkerThread<RerankRequest, RerankReply>> {
    // A thread that died between calls is started again, as one that dies during a call is.
    if (this.started?.stopped === true) this.forget();
    if (this.thread !== undefined) return this.thread;
    if (this.failure !== undefined && Date.now() < this.failure.retryAt) return Promise.reject(this.failure.error);
    const thread = this.start();
    this.thread = thread;
    thread.then(
      () => {
        this.failure = undefined;
        this.retries.reset();
      },
      (err: unknown) => {
        if (this.thread === thread) this.forget();
        // Still being fetched: the next call looks again, which costs nothing.
        if (err instanceof RerankerStarting) return;
        const waitMs = this.retries.next();
        this.failure = { error: err instanceof Error ? err : new Error(String(err)), retryAt: Date.now() + waitMs };
        this.options.onLoadFailure?.(err, waitMs / 1000);
      },
    );
    return thread;
  }

  private async start(): Promise<WorkerThread<RerankRequest, RerankReply>> {
    await this.files.ensure();
    const { model, modelDir, dtype, maxLength } = this.options;
    const maxQueryLength = RERANK_QUERY_MAX_TOKENS;
    const nice = RERANKER_THREAD_NICE;
    const data: RerankWorkerData = { model, modelDir, dtype, maxLength, maxQueryLength, group: GROUP, nice };
    const { thread } = await WorkerThread.start<RerankRequest, RerankReply, RerankStart>(
      new URL("./rerank-worker.ts", import.meta.url),
      data,
      "the reranker's thread",
      (start) => (start.loaded ? undefined : Object.assign(new Error(start.error.message), { name: start.error.name })),
    );
    this.started = thread;
    return thread;
  }
}

/** The cross-encoder's logit as a probability of relevance, on the 0..1 scale of every other score. */
function sigmoid(logit: number): number {
  return 1 / (1 + Math.exp(-logit));
}
