import type { Logger } from "pino";
import { EmbedderStarting, type Embedder } from "./embedder.js";
import { DEFAULT_BATCHER_OPTIONS, EmbeddingBatcher, type BatcherOptions } from "./batcher.js";
import { errorSummary, loggableError } from "../logger.js";
import { MODEL_RETRY_FIRST_MS, ModelRetries } from "../models/model-retries.js";
import { modelSpan } from "../telemetry/model-spans.js";

export interface Embedded {
  vector: number[];
  model: string;
}

/** The longest a write waits for a busy embedder (past its budget) before committing PENDING. */
const BUSY_WAIT_MS = 20_000;

/**
 * What a write stores for its vector: the vector, or, while the writer's embedding is still
 * being computed past its budget, a hold that keeps every worker off the job until the writer
 * attaches it (or the hold runs out, and a worker takes over); null: the worker's job.
 */
export type WriteEmbedding = Embedded | { heldUntil: Date } | null;

/** The write path's vectors: ready within the budget, or still being computed. */
export type WriteVectors = { done: true; vectors: Embedded[] } | { done: false; pending: Promise<Embedded[]> };

/**
 * The server's view of its embedder: whether it is usable, the write-path time budget, and
 * the start-up checks. A missing or broken embedder never stops the server: writes stay
 * PENDING and searches fall back to keywords until it answers.
 */
export class Embeddings {
  private ready = false;
  private nextAttempt = 0;
  private readonly retries = new ModelRetries();
  /** The last attempt found the embedder still coming up (a model being fetched), not failed. */
  private starting = false;
  /** The database column's vector size, once start() has read it. */
  private columnDimensions: number | undefined;
  /** Why a ready embedder is not used: its vectors do not fit the column. */
  private mismatch: string | null = null;
  /** The attempt to bring the embedder up that is under way, if any. */
  private attempt: Promise<boolean> | undefined;
  /** Every text goes through it, writes, queries and the worker alike, so none is embedded twice. */
  private readonly batcher: EmbeddingBatcher | null;

  constructor(
    private readonly embedder: Embedder | null,
    private readonly options: {
      budgetMs: number;
      logger: Logger;
      onBatch?: BatcherOptions["onBatch"];
      /** How long a write may wait for a busy, progressing embedder (default 20 s). */
      busyWaitMs?: number;
    },
  ) {
    this.batcher =
      embedder === null
        ? null
        : new EmbeddingBatcher(embedder, { ...DEFAULT_BATCHER_OPTIONS, onBatch: options.onBatch });
  }

  /** Whether an embedder is configured at all (it may still be coming up). */
  get configured(): boolean {
    return this.embedder !== null;
  }

  /** The embedder's id once it has answered, else null. */
  get model(): string | null {
    return this.ready && this.embedder ? this.embedder.id : null;
  }

  /** The size of the embedder's vectors once it has answered (they fit the column), else null. */
  get dimensions(): number | null {
    return this.model === null ? null : (this.columnDimensions ?? null);
  }

  /**
   * Records the database column's size and checks the size the embedder declares, without
   * loading anything (a local model's config.json, the size asked of an API): one that does not
   * fit is a configuration error and fails start-up. A server then listens, and brings the
   * embedder up with ensureReady(), writing PENDING and searching by keyword until it answers.
   */
  async prepare(columnDimensions: number): Promise<void> {
    this.columnDimensions = columnDimensions;
    if (this.embedder === null) {
      this.options.logger.info("no embedder configured: searches use KEYWORD mode");
      return;
    }
    const declared = await this.embedder.declaredDimensions?.();
    if (declared !== undefined && declared !== columnDimensions) throw new Error(this.mismatchMessage(declared));
  }

  /**
   * prepare(), then brings the embedder up and waits for it: vectors that do not fit the column
   * fail start-up too; an embedder that does not answer only logs, and is tried again later.
   */
  async start(columnDimensions: number): Promise<void> {
    await this.prepare(columnDimensions);
    await this.ensureReady();
    if (this.mismatch !== null) throw new Error(this.mismatch);
  }

  /**
   * Tries to bring a not-yet-ready embedder up: every 5 s while it is starting (a model being
   * fetched); after failures 5 s later, then 10 s, 20 s, ... up to every 5 minutes, each failure
   * logged in one line. Callers meanwhile share the attempt under way. Returns whether it is
   * ready. An embedder whose vectors turn out not to fit the column is never used.
   */
  ensureReady(): Promise<boolean> {
    if (this.ready || this.embedder === null || this.mismatch !== null) return Promise.resolve(this.ready);
    if (this.attempt !== undefined) return this.attempt;
    if (Date.now() < this.nextAttempt) return Promise.resolve(false);
    this.nextAttempt = Date.now() + MODEL_RETRY_FIRST_MS;
    this.attempt = this.tryReady(this.embedder).finally(() => (this.attempt = undefined));
    return this.attempt;
  }

  private async tryReady(embedder: Embedder): Promise<boolean> {
    this.starting = false;
    try {
      await embedder.ready();
      const column = this.columnDimensions;
      if (column !== undefined && embedder.dimensions !== column) {
        this.mismatch = this.mismatchMessage(embedder.dimensions);
        this.options.logger.error(
          { model: embedder.id },
          `${this.mismatch}; it is not used: writes stay PENDING and searches use keywords`,
        );
        return false;
      }
      this.ready = true;
      this.options.logger.info({ model: embedder.id, dimensions: embedder.dimensions }, "embedder ready");
    } catch (err) {
      if (err instanceof EmbedderStarting) {
        this.starting = true;
        return false;
      }
      const waitMs = this.retries.next();
      this.nextAttempt = Date.now() + waitMs;
      this.options.logger.warn(
        { model: embedder.id, error: errorSummary(err), retryInSeconds: waitMs / 1000 },
        "embedder unavailable: writes stay PENDING and searches use keywords",
      );
    }
    return this.ready;
  }

  private mismatchMessage(dimensions: number): string {
    const column = this.columnDimensions;
    return (
      `embedder ${this.embedder?.id} produces ${dimensions}-dimensional vectors but the database ` +
      `column is vector(${column}); choose a ${column}-dimensional model (or set its dimensions)`
    );
  }

  /**
   * For one-shot commands, which cannot come back later: waits while the embedder is coming up
   * (a model being fetched), checking every `pollMs`. False as soon as it fails instead.
   */
  async waitUntilReady(pollMs = 1_000): Promise<boolean> {
    for (;;) {
      this.nextAttempt = 0;
      if (await this.ensureReady()) return true;
      if (!this.starting) return false;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /**
   * Vectors for the write path: ready within the budget, or the computation still under way
   * (which goes on, for the writer to attach after its commit); null when the embedder is down
   * or failed. A write waits past its budget while the embedder is busy but progressing (a
   * bulk load queues more texts than one budget covers): committing PENDING and attaching later
   * writes each memory twice, which under load only turns throughput into a backlog. It stops
   * waiting at the first budget period in which no embedder call completed.
   */
  async tryEmbed(texts: string[]): Promise<WriteVectors | null> {
    const usable = this.usable();
    if (usable === null || texts.length === 0) return null;
    const { batcher, model } = usable;
    const pending = modelSpan("embeddings", model, texts.length, () => batcher.embed(texts, "background", true)).then(
      (vectors) => vectors.map((vector) => ({ vector, model })),
    );
    const outcome = pending.then(
      (vectors) => ({ vectors }),
      () => ({ vectors: null }),
    );
    const { budgetMs, busyWaitMs = BUSY_WAIT_MS } = this.options;
    const started = Date.now();
    let settled = await withTimeout(outcome, budgetMs);
    while (settled === null && batcher.progressing(budgetMs) && Date.now() - started < busyWaitMs) {
      settled = await withTimeout(outcome, budgetMs);
    }
    if (settled === null) return { done: false, pending };
    return settled.vectors === null ? null : { done: true, vectors: settled.vectors };
  }

  /** A query vector for search; null sends the search to keywords. */
  async embedQuery(text: string, timeoutMs: number): Promise<Embedded | null> {
    const usable = this.usable();
    if (usable === null) return null;
    const { batcher, model } = usable;
    const vectors = await withTimeout(
      modelSpan("embeddings", model, 1, () => batcher.embed([this.embedder?.queryText?.(text) ?? text], "query")),
      timeoutMs,
    ).catch((err: unknown) => {
      this.options.logger.warn({ error: loggableError(err) }, "query embedding failed: searching by keyword");
      return null;
    });
    return vectors?.[0] ? { vector: vectors[0], model } : null;
  }

  /** Drops the vectors kept of recent texts (EmbeddingBatcher.forgetRecent). */
  forgetRecent(): void {
    this.batcher?.forgetRecent();
  }

  /** For the background worker (behind writes' texts): throws on failure so it can back off. */
  async embed(texts: string[]): Promise<Embedded[]> {
    const usable = (await this.ensureReady()) ? this.usable() : null;
    if (usable === null) throw new Error("embedder unavailable");
    const { batcher, model } = usable;
    return (await modelSpan("embeddings", model, texts.length, () => batcher.embed(texts))).map((vector) => ({
      vector,
      model,
    }));
  }

  /** The batcher and the model's id, once the embedder has answered. */
  private usable(): { batcher: EmbeddingBatcher; model: string } | null {
    const model = this.model;
    return model === null || this.batcher === null ? null : { batcher: this.batcher, model };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
