import type { Dtype } from "../models/model-fetch.js";
import { ModelFiles } from "../models/model-files.js";
import { WorkerThread } from "../worker-thread.js";
import { RerankerStarting, type Reranker } from "./reranker.js";
import type { RerankReply, RerankRequest, RerankStart, RerankWorkerData } from "./rerank-worker.js";

export interface LocalRerankerOptions {
  /** A cross-encoder's model id, such as cross-encoder/ms-marco-MiniLM-L-12-v2. */
  model: string;
  /** A directory holding <model id>/{config.json,tokenizer*.json,onnx/model_quantized.onnx}. */
  modelDir: string;
  dtype: Dtype;
  /** Query and passage together are cut to this many tokens. */
  maxLength: number;
  /** When set, a missing model is fetched into modelDir in the background (see ModelFiles). */
  fetch?: { hubUrl: string; log: (message: string) => void };
}

/**
 * Pairs per model run. The int8 model's scores depend on the run's other pairs (see the
 * thread), so this is fixed; with pairs grouped by length, 10 was as fast per pair as 20, and
 * 40 a third slower, on 2 cores.
 */
const GROUP = 10;

/** A cross-encoder run with ONNX Runtime through transformers.js, on a thread of its own. */
export class LocalReranker implements Reranker {
  readonly id: string;
  private thread: Promise<WorkerThread<RerankRequest, RerankReply>> | undefined;
  private started: WorkerThread<RerankRequest, RerankReply> | undefined;
  private readonly files: ModelFiles;

  constructor(private readonly options: LocalRerankerOptions) {
    this.id = `local:${options.model}:${options.dtype}`;
    this.files = new ModelFiles({ ...options, starting: (message) => new RerankerStarting(message) });
  }

  get loaded(): boolean {
    return this.started !== undefined && !this.started.stopped;
  }

  async ready(): Promise<void> {
    await this.load();
  }

  async score(query: string, passages: string[]): Promise<number[]> {
    if (passages.length === 0) return [];
    const thread = await this.load();
    const reply = await thread.call({ query, passages }).catch((err: unknown) => {
      // A thread that died (out of memory, say) is started again by the next call.
      if (thread.stopped) this.forget();
      throw err;
    });
    if ("error" in reply) throw Object.assign(new Error(reply.error.message), { name: reply.error.name });
    return Array.from(reply.logits, sigmoid);
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
    this.thread ??= (async () => {
      await this.files.ensure();
      const { model, modelDir, dtype, maxLength } = this.options;
      const data: RerankWorkerData = { model, modelDir, dtype, maxLength, group: GROUP };
      const { thread } = await WorkerThread.start<RerankRequest, RerankReply, RerankStart>(
        new URL("./rerank-worker.ts", import.meta.url),
        data,
        "the reranker's thread",
        (start) =>
          start.loaded ? undefined : Object.assign(new Error(start.error.message), { name: start.error.name }),
      );
      this.started = thread;
      return thread;
    })();
    // A failed load (missing files, a fetch under way or failed) is retried on the next call.
    this.thread.catch(() => this.forget());
    return this.thread;
  }
}

/** The cross-encoder's logit as a probability of relevance, on the 0..1 scale of every other score. */
function sigmoid(logit: number): number {
  return 1 / (1 + Math.exp(-logit));
}
