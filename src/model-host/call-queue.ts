/** A call waiting for the model's thread, or on it. */
interface Job<Request, Result> {
  request: Request;
  /** Set to 1 when its caller goes away: the thread may stop at its next step (model-thread.ts). */
  cancelled: Int32Array;
  signal: AbortSignal | undefined;
  resolve(result: Result): void;
  reject(err: unknown): void;
}

/**
 * Calls waiting for a model's thread, run there one at a time, first come first served. They
 * wait here rather than on the thread so that a call whose caller went away (its signal aborted:
 * a search cancelled, its client gone) leaves without running; a call already running is told to
 * stop, and the next one starts once the thread has answered it.
 */
export class CallQueue<Request, Result> {
  private readonly jobs: Job<Request, Result>[] = [];
  private running = false;

  constructor(private readonly run: (request: Request, cancelled: Int32Array) => Promise<Result>) {}

  /** Runs `request` in its turn; rejects with the signal's reason as soon as it aborts (throws if it has). */
  push(request: Request, signal?: AbortSignal): Promise<Result> {
    signal?.throwIfAborted();
    let settle!: Pick<Job<Request, Result>, "resolve" | "reject">;
    const answered = new Promise<Result>((resolve, reject) => (settle = { resolve, reject }));
    const job = { request, cancelled: new Int32Array(new SharedArrayBuffer(4)), signal, ...settle };
    const abandon = () => this.abandon(job);
    signal?.addEventListener("abort", abandon, { once: true });
    this.jobs.push(job);
    void this.drain();
    return answered.finally(() => signal?.removeEventListener("abort", abandon));
  }

  /** Its caller went away: a waiting call leaves the queue; a running one is told to stop. */
  private abandon(job: Job<Request, Result>): void {
    Atomics.store(job.cancelled, 0, 1);
    const waiting = this.jobs.indexOf(job);
    if (waiting >= 0) this.jobs.splice(waiting, 1);
    job.reject(job.signal?.reason);
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    for (let job = this.jobs.shift(); job !== undefined; job = this.jobs.shift()) {
      try {
        job.resolve(await this.run(job.request, job.cancelled));
      } catch (err) {
        job.reject(err);
      }
    }
    this.running = false;
  }
}
