import type { EntityManager } from "@mikro-orm/sql";
import type { Logger } from "pino";
import { EmbeddingQueueRepository, type EmbeddingJob } from "../memory/embedding-queue.repository.js";
import { PermanentEmbeddingError } from "./embedder.js";
import type { Embeddings } from "./embeddings.js";
import { loggableError } from "../logger.js";

export interface WorkerOptions {
  batchSize: number;
  /** How long a claim is held before another worker may take the job. */
  leaseMs: number;
  /** Idle polling interval; kick() wakes the worker sooner. */
  pollMs: number;
  maxBackoffMs: number;
  /** Attempts after which an input the embedder refuses is marked FAILED. */
  maxPermanentAttempts: number;
}

export const DEFAULT_WORKER_OPTIONS: WorkerOptions = {
  batchSize: 32,
  leaseMs: 60_000,
  pollMs: 1_000,
  maxBackoffMs: 300_000,
  maxPermanentAttempts: 3,
};

/** Attaches vectors to PENDING memories in the background, with exponential backoff on failure. */
export class EmbeddingWorker {
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;

  constructor(
    private readonly em: EntityManager,
    private readonly embeddings: Embeddings,
    private readonly logger: Logger,
    private readonly options: WorkerOptions = DEFAULT_WORKER_OPTIONS,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** A write just left a memory PENDING: look now rather than at the next poll. */
  kick(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await this.loop;
  }

  /** One claim-embed-store round; returns how many jobs it handled. */
  async runOnce(now = new Date()): Promise<number> {
    if (!(await this.embeddings.ensureReady())) return 0;
    const queue = new EmbeddingQueueRepository(this.em.fork());
    const jobs = await queue.claim(this.options.batchSize, this.options.leaseMs, now);
    if (jobs.length === 0) return 0;
    try {
      const embedded = await this.embeddings.embed(jobs.map((j) => j.content));
      await Promise.all(jobs.map((job, i) => queue.attach(job, embedded[i]!.vector, embedded[i]!.model)));
    } catch (err) {
      this.logger.warn({ error: loggableError(err), jobs: jobs.length }, "embedding failed; will retry with backoff");
      await Promise.all(jobs.map((job) => this.backOff(queue, job, err)));
    }
    return jobs.length;
  }

  private backOff(queue: EmbeddingQueueRepository, job: EmbeddingJob, err: unknown): Promise<void> {
    const failed = err instanceof PermanentEmbeddingError && job.attempts >= this.options.maxPermanentAttempts;
    const delay = Math.min(this.options.maxBackoffMs, 1000 * 2 ** Math.min(job.attempts - 1, 20));
    return queue.release(job, new Date(Date.now() + delay), failed);
  }

  private async run(): Promise<void> {
    while (this.running) {
      let handled = 0;
      try {
        handled = await this.runOnce();
      } catch (err) {
        this.logger.error({ error: loggableError(err) }, "embedding worker round failed");
      }
      if (handled === 0 && this.running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.pollMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }
}
