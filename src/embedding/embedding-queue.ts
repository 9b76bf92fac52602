/** A text waiting for its vector, leased to one worker. */
export interface EmbeddingJob {
  workspaceId: string;
  id: string;
  content: string;
  attempts: number;
}

/**
 * What the embedding worker needs from the store of texts waiting for vectors. The memory
 * module implements it (EmbeddingQueueRepository); the worker knows nothing of its tables.
 */
export interface EmbeddingQueue {
  /** Leases up to `limit` waiting jobs to this worker until `now` + `leaseMs`. */
  claim(limit: number, leaseMs: number, now: Date): Promise<EmbeddingJob[]>;
  /**
   * Moves the lease of the jobs still held until `heldUntil` (not finished, changed or taken by
   * another worker since) to `until`; returns how many it kept.
   */
  renew(jobs: EmbeddingJob[], heldUntil: Date, until: Date): Promise<number>;
  /** Stores each job's vector unless its text changed since the claim; returns how many were stored. */
  attach(jobs: EmbeddingJob[], vectors: number[][], model: string): Promise<number>;
  /** Puts a job back to be tried at `retryTime`, or marks it failed for good. */
  release(job: EmbeddingJob, retryTime: Date, failed: boolean): Promise<void>;
  /** When the first pending job may be claimed (now for one never tried); null when none waits. */
  nextRetryTime(): Promise<Date | null>;
}
