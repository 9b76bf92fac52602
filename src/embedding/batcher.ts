import { LRUCache } from "lru-cache";
import { PermanentEmbeddingError, type Embedder, type Lane } from "./embedder.js";

export interface BatcherOptions {
  /** Texts per embedder call; more wait for the next call. */
  maxBatch: number;
  /**
   * Tokens (estimated) of a call, counted as the model runs them: every text padded to the call's
   * longest (a text alone is taken whatever its length). A local model's working memory grows with
   * a call's texts times the square of its padded length, and ONNX Runtime keeps its peak for the
   * life of the process; and a query waits for at most one call of background texts.
   */
  maxCallTokens: number;
  /** Recent vectors kept by text. */
  cacheSize: number;
  /** Told how long each embedder call took, for how many texts, and whether it failed. */
  onBatch?: (seconds: number, texts: number, failed: boolean) => void;
}

/**
 * 512 tokens a call: one long text (the 512 tokens a local model reads), or a score of short notes.
 * Measured on 2 cores with all-MiniLM-L6-v2: calls of 32 texts of 8,000 characters left the model's
 * thread at 4.5 GB resident, calls of 2 at 0.5 GB, and computed them in half the time.
 */
export const DEFAULT_BATCHER_OPTIONS: BatcherOptions = { maxBatch: 64, maxCallTokens: 512, cacheSize: 4096 };

/**
 * Tokens a text costs the model, estimated without its tokenizer: a token per 4 characters, up to
 * the 512 a local model reads (an API's model reads more, but its memory is not this server's).
 */
const CHARS_PER_TOKEN = 4;
const MODEL_MAX_TOKENS = 512;
const estimatedTokens = (text: string) => Math.min(MODEL_MAX_TOKENS, Math.ceil(text.length / CHARS_PER_TOKEN) + 2);

interface InFlight {
  promise: Promise<number[]>;
  resolve(vector: number[]): void;
  reject(err: unknown): void;
}

/**
 * The one way texts reach the embedder, so that each is computed once. Callers arriving
 * while a call runs share the next call (one ONNX run for many writers is far cheaper than
 * many runs of one); a text already queued or being computed is waited for, not queued
 * again; recent vectors are kept, so a write that gave up on its time budget leaves its
 * vector for the background worker, and a repeated query costs nothing. Queries have a lane of
 * their own: a search's query is computed at once, beside the background call under way (a
 * local embedder runs each lane on a thread of its own), never behind the texts writes and the
 * worker wait on. Calls are kept small (maxCallTokens), so that the model's memory does not grow
 * with the longest texts ever seen together.
 */
export class EmbeddingBatcher {
  private readonly recent: LRUCache<string, number[]>;
  private readonly inFlight = new Map<string, InFlight>();
  /** Texts waiting for a call, in each lane. */
  private readonly queues: Record<Lane, string[]> = { query: [], background: [] };
  /** How many of the background lane's first texts are writes' (see embed's `ahead`). */
  private writesAhead = 0;
  /** Whether a lane's calls are under way. */
  private readonly draining: Record<Lane, boolean> = { query: false, background: false };
  /** The embedder's pace in its last successful call (0 until one succeeds). */
  private msPerText = 0;
  /** The background call under way: when it started (performance.now()) and its texts. */
  private current = { startedAt: 0, texts: 0 };

  constructor(
    private readonly embedder: Embedder,
    private readonly options: BatcherOptions = DEFAULT_BATCHER_OPTIONS,
  ) {
    this.recent = new LRUCache({ max: options.cacheSize });
  }

  /** Drops every vector kept (an erasure: a text's vector says much about the text). */
  forgetRecent(): void {
    this.recent.clear();
  }

  /**
   * One vector per text, in order. Vectors are shared: callers must not change them. `ahead`
   * (a write waiting on its vectors) queues background texts before the background worker's,
   * so that a write is never queued behind a bulk backlog the worker is working through.
   */
  embed(texts: string[], lane: Lane = "background", ahead = false): Promise<number[][]> {
    return Promise.all(texts.map((text) => this.embedOne(text, lane, ahead)));
  }

  private embedOne(text: string, lane: Lane, ahead: boolean): Promise<number[]> {
    const known = this.recent.get(text);
    if (known !== undefined) return Promise.resolve(known);
    const pending = this.inFlight.get(text);
    if (pending !== undefined) {
      // A query for a text a write queued: it goes in the query lane now.
      const waiting = lane === "query" ? this.queues.background.indexOf(text) : -1;
      if (waiting >= 0) {
        if (waiting < this.writesAhead) this.writesAhead -= 1;
        this.enqueue("query", false, ...this.queues.background.splice(waiting, 1));
      }
      return pending.promise;
    }
    let resolve!: (vector: number[]) => void;
    let reject!: (err: unknown) => void;
    const promise = new Promise<number[]>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.inFlight.set(text, { promise, resolve, reject });
    this.enqueue(lane, ahead, text);
    return promise;
  }

  private enqueue(lane: Lane, ahead: boolean, ...texts: string[]): void {
    if (lane === "background" && ahead) {
      this.queues.background.splice(this.writesAhead, 0, ...texts);
      this.writesAhead += texts.length;
    } else {
      this.queues[lane].push(...texts);
    }
    if (this.draining[lane]) return;
    this.draining[lane] = true;
    // After the current turn, so callers of this same turn share the first call.
    setImmediate(() => void this.drain(lane));
  }

  /**
   * Whether the embedder is working through texts already asked for, rather than stuck or down:
   * a call is under way and has not run past `windowMs` or twice what its texts took at the
   * pace of the last call that succeeded.
   */
  progressing(windowMs: number): boolean {
    const expectedMs = this.current.texts * this.msPerText;
    return this.draining.background && performance.now() - this.current.startedAt < Math.max(windowMs, 2 * expectedMs);
  }

  private async drain(lane: Lane): Promise<void> {
    for (let batch = this.next(lane); batch.length > 0; batch = this.next(lane)) await this.compute(batch, lane);
    this.draining[lane] = false;
  }

  /** A lane's next call: as many of its texts as fit maxCallTokens, padded to the longest. */
  private next(lane: Lane): string[] {
    const queue = this.queues[lane];
    let count = 0;
    let longest = 0;
    while (count < Math.min(queue.length, this.options.maxBatch)) {
      const padded = Math.max(longest, estimatedTokens(queue[count] ?? ""));
      if (count > 0 && (count + 1) * padded > this.options.maxCallTokens) break;
      longest = padded;
      count += 1;
    }
    if (lane === "background") this.writesAhead = Math.max(0, this.writesAhead - count);
    return queue.splice(0, count);
  }

  /**
   * One embedder call for `batch`, settling each text's callers. Texts from unrelated writes
   * share a call, so when the embedder refuses one input the call is split in halves until the
   * refused text is alone: only its writes fail, the rest get their vectors.
   */
  private async compute(batch: string[], lane: Lane): Promise<void> {
    const started = performance.now();
    const took = () => (performance.now() - started) / 1000;
    if (lane === "background") this.current = { startedAt: started, texts: batch.length };
    let vectors: number[][];
    try {
      vectors = await this.embedder.embed(batch, lane);
    } catch (err) {
      this.options.onBatch?.(took(), batch.length, true);
      if (err instanceof PermanentEmbeddingError && batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        await this.compute(batch.slice(0, half), lane);
        await this.compute(batch.slice(half), lane);
        return;
      }
      // A failed call is not remembered: the next request for these texts tries again.
      for (const text of batch) this.settle(text).reject(err);
      return;
    }
    this.options.onBatch?.(took(), batch.length, false);
    if (lane === "background") this.msPerText = (took() * 1000) / batch.length;
    batch.forEach((text, i) => {
      const vector = vectors[i];
      if (vector === undefined) {
        this.settle(text).reject(new Error("the embedder returned fewer vectors than texts"));
        return;
      }
      this.recent.set(text, vector);
      this.settle(text).resolve(vector);
    });
  }

  private settle(text: string): InFlight {
    const entry = this.inFlight.get(text);
    this.inFlight.delete(text);
    if (entry === undefined) throw new Error("embedding batcher lost track of a text");
    return entry;
  }
}
