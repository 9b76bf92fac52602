import type { Logger } from "pino";
import { PermanentEmbeddingError } from "./embedder.js";
import type { EmbeddingJob, EmbeddingQueue } from "./embedding-queue.js";
import type { Embeddings } from "./embeddings.js";
import { whileLeased } from "./lease.js";
import { loggableError } from "../logger.js";

export interface WorkerOptions {
  batchSize: number;
  /** How long a claim is held, unless renewed while its texts are embedded, before another worker may take it. */
  leaseMs: number;
  /**
   * The longest an idle worker sleeps between looks: it is woken by kick() on every write that
   * leaves a memory PENDING and at the next retry time, so this only catches jobs another
   * server abandoned without a lease.
   */
  idleMs: number;
  /** How soon a worker looks again when the embedder is not answering or a round failed. */
  notReadyMs: number;
  maxBackoffMs: number;
  /** Attempts after which an input the embedder refuses is marked FAILED. */
  maxPermanentAttempts: number;
  /**
   * Rounds under way at once, each with a claim of its own: one round's texts are embedded while
   * another's vectors are stored, so neither the embedder nor the database waits on the other.
   */
  rounds: number;
  /** Called when a round claims a full batch: more is waiting than this worker can take at once. */
  onBacklog: () => void;
  /** While true, nothing is claimed or stored (the disk is nearly full); kick() once it is false again. */
  paused: () => boolean;
}

export const DEFAULT_WORKER_OPTIONS: WorkerOptions = {
  batchSize: 32,
  leaseMs: 60_000,
  idleMs: 60_000,
  notReadyMs: 5_000,
  maxBackoffMs: 300_000,
  maxPermanentAttempts: 3,
  rounds: 2,
  onBacklog: () => {},
  paused: () => false,
};

const MIN_SLEEP_MS = 50;

/** Attaches vectors to PENDING memories in the background, with exponential backoff on failure. */
export class EmbeddingWorker {
  private running = false;
  private finished: Promise<void>[] = [];
  /** One per loop under way: what kick() tells it. */
  private readonly loops = new Set<Loop>();
  private readonly options: WorkerOptions;

  /** @param queue opens the queue for one round (a unit of work of its own each time). */
  constructor(
    private readonly queue: () => EmbeddingQueue,
    private readonly embeddings: Embeddings,
    private readonly logger: Logger,
    options: Partial<WorkerOptions> = {},
  ) {
    this.options = { ...DEFAULT_WORKER_OPTIONS, ...options };
  }

  start(): void {
    this.running = true;
    this.finished = Array.from({ length: this.options.rounds }, () => this.run());
  }

  /** A write just left a memory PENDING: look now rather than at the next poll. */
  kick(): void {
    for (const loop of this.loops) {
      loop.kicked = true;
      loop.wake?.();
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await Promise.all(this.finished);
  }

  /**
   * Rounds until one claims nothing, `rounds` at a time (for a one-shot command: what is left
   * then waits out a failure's backoff); `onRound` is told each round's count.
   */
  async drain(onRound: (handled: number) => void): Promise<void> {
    const loop = async () => {
      for (let handled = -1; handled !== 0; onRound(handled)) handled = await this.runOnce();
    };
    await Promise.all(Array.from({ length: this.options.rounds }, loop));
  }

  /** One claim-embed-store round; returns how many jobs it handled. */
  async runOnce(now = new Date()): Promise<number> {
    if (this.options.paused() || !(await this.embeddings.ensureReady())) return 0;
    const queue = this.queue();
    const jobs = await queue.claim(this.options.batchSize, this.options.leaseMs, now);
    if (jobs.length === 0) return 0;
    if (jobs.length === this.options.batchSize) this.options.onBacklog();
    try {
      const claim = { queue, jobs, claimedAt: now, leaseMs: this.options.leaseMs };
      const embedded = await whileLeased(claim, this.logger, () => this.embeddings.embed(jobs.map((j) => j.content)));
      const model = embedded[0]?.model ?? "";
      await queue.attach(
        jobs,
        embedded.map((e) => e.vector),
        model,
      );
    } catch (err) {
      this.logger.warn({ error: loggableError(err), jobs: jobs.length }, "embedding failed; will retry with backoff");
      await Promise.all(jobs.map((job) => this.backOff(queue, job, err)));
    }
    return jobs.length;
  }

  private backOff(queue: EmbeddingQueue, job: EmbeddingJob, err: unknown): Promise<void> {
    const failed = err instanceof PermanentEmbeddingError && job.attempts >= this.options.maxPermanentAttempts;
    const delay = Math.min(this.options.maxBackoffMs, 1000 * 2 ** Math.min(job.attempts - 1, 20));
    return queue.release(job, new Date(Date.now() + delay), failed);
  }

  private async run(): Promise<void> {
    const loop: Loop = { kicked: false, wake: undefined };
    this.loops.add(loop);
    while (this.running) {
      loop.kicked = false;
      try {
        const handled = await this.runOnce();
        if (handled === 0 && this.running) await this.sleep(loop, await this.idleDelay());
      } catch (err) {
        // Not at the idle delay: a due job would make that a few milliseconds, and a failing
        // database a log line at that rate.
        this.logger.error({ error: loggableError(err) }, "embedding worker round failed");
        await this.sleep(loop, this.options.notReadyMs);
      }
    }
    this.loops.delete(loop);
  }

  /** Nothing to claim now: sleep until the next job may be retried, or until kicked. */
  private async idleDelay(): Promise<number> {
    if (!this.embeddings.configured || this.options.paused()) return Infinity;
    if (this.embeddings.model === null) return this.options.notReadyMs;
    try {
      const next = await this.queue().nextRetryTime();
      const untilNext = next === null ? Infinity : next.getTime() - Date.now();
      // A due job that was not claimed is locked by another worker's claim, for a moment.
      return Math.max(MIN_SLEEP_MS, Math.min(this.options.idleMs, untilNext));
    } catch (err) {
      this.logger.error({ error: loggableError(err) }, "embedding worker could not read the queue");
      return this.options.notReadyMs;
    }
  }

  private sleep(loop: Loop, ms: number): Promise<void> {
    if (loop.kicked || !this.running) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
      function done() {
        clearTimeout(timer);
        resolve();
      }
      loop.wake = () => {
        loop.wake = undefined;
        done();
      };
    });
  }
}

/** A loop's state: whether a write arrived since its round began, and how to wake it. */
interface Loop {
  kicked: boolean;
  wake: (() => void) | undefined;
}
