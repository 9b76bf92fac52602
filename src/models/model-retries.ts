/** How soon a model that is not ready (still being fetched, or failed) is looked at again at the soonest. */
export const MODEL_RETRY_FIRST_MS = 5_000;
const MODEL_RETRY_MAX_MS = 5 * 60_000;

/**
 * The waits between attempts to load a model that failed (the embedder's and the reranker's
 * alike): 5 s after the first failure, then 10 s, 20 s, ... up to every 5 minutes, so a model that
 * is missing or broken costs a load now and then rather than one per request.
 */
export class ModelRetries {
  private waitMs = MODEL_RETRY_FIRST_MS;

  /** After a failure: how long to wait before the next attempt (longer with each failure in a row). */
  next(): number {
    const wait = this.waitMs;
    this.waitMs = Math.min(wait * 2, MODEL_RETRY_MAX_MS);
    return wait;
  }

  /** After a success: the next failure waits the first delay again. */
  reset(): void {
    this.waitMs = MODEL_RETRY_FIRST_MS;
  }
}
