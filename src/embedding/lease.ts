import type { Logger } from "pino";
import type { EmbeddingJob, EmbeddingQueue } from "./embedding-queue.js";
import { loggableError } from "../logger.js";

/** What holding a claim needs: the queue it came from, its jobs and the lease it was given. */
export interface Claim {
  queue: EmbeddingQueue;
  jobs: EmbeddingJob[];
  claimedAt: Date;
  leaseMs: number;
}

/**
 * Runs `work` on a claim's jobs while moving their lease on every third of it, so that a batch
 * slower than its lease (a model busy with writes, an API retrying) is not taken and embedded
 * again by another worker. A worker that dies renews nothing: its jobs go to the others one
 * lease later. A renewal that fails is logged and tried again at the next third.
 */
export async function whileLeased<T>(claim: Claim, logger: Logger, work: () => Promise<T>): Promise<T> {
  const { queue, jobs, leaseMs } = claim;
  let heldUntil = new Date(claim.claimedAt.getTime() + leaseMs);
  let renewal: Promise<void> = Promise.resolve();
  const renew = async () => {
    const until = new Date(Date.now() + leaseMs);
    try {
      await queue.renew(jobs, heldUntil, until);
      heldUntil = until;
    } catch (err) {
      logger.warn({ error: loggableError(err), jobs: jobs.length }, "could not renew an embedding lease");
    }
  };
  // Chained: a renewal reads the lease the one before it wrote.
  const timer = setInterval(() => {
    renewal = renewal.then(renew);
  }, leaseMs / 3);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    await renewal;
  }
}
