import type { ModelFiles } from "../models/model-files.js";
import { ModelRetries } from "../models/model-retries.js";
import { WorkerThread } from "../worker-thread.js";
import { Admission, type Reservation } from "./admission.js";
import { CallQueue } from "./call-queue.js";
import type { Failure, HostedData, HostedReply, HostedRequest, HostedStart } from "./protocol.js";

export interface ModelHostOptions<Data> {
  /** The model's worker entry, which calls serveModel (model-thread.ts); see WorkerThread for where it is found. */
  entry: URL;
  /** Names the thread in errors, e.g. "the reranker's thread". */
  description: string;
  /** What the entry's loader is given. */
  data: Data;
  /** The nice value the thread runs at (only ever lower in priority than the server); the server's own when unset. */
  nice?: number;
  /**
   * The model's files, checked (fetched, when so configured) before each load; none for a model
   * without files. Hosts of one model share them, and so the fetch.
   */
  files?: ModelFiles;
  /** Work allowed to wait, in the caller's units of cost, and the error a call shed for it gets; unlimited when unset. */
  shed?: { limit: number; busy: (waiting: number) => Error };
  /** Told when the model fails to load, and in how many seconds the next call tries again. */
  onLoadFailure?: (err: unknown, retryInSeconds: number) => void;
}

/**
 * idle: no thread (never asked for, closed, or it died: the next call starts one); loading: a
 * thread starting, or the model's files being fetched; ready: the model answers; failed: the last
 * load failed, and calls get its error until the retry time.
 */
export type ModelState = "idle" | "loading" | "ready" | "failed";

type Thread<Request, Result> = WorkerThread<HostedRequest<Request>, HostedReply<Result>>;

const asError = ({ name, message }: Failure) => Object.assign(new Error(message), { name });

/**
 * One model on a worker thread of its own, and the one place that decides how it lives: loaded
 * by the first call (its files checked or fetched first), started again by the next call after
 * the thread died (out of memory, say), a failed load retried after 5 s, 10 s, ... (ModelRetries)
 * rather than on every call, calls run one at a time (CallQueue) after their room is held
 * (Admission), and its state reported for health and metrics.
 */
export class ModelHost<Data, Request, Result> {
  /** The thread loading or loaded, if any. */
  private thread: Promise<Thread<Request, Result>> | undefined;
  /** The thread once its model has loaded. */
  private current: Thread<Request, Result> | undefined;
  /** The last load's failure, repeated to every call until retryAt. */
  private failure: { error: Error; retryAt: number } | undefined;
  private readonly retries = new ModelRetries();
  private readonly admission: Admission;
  private readonly queue: CallQueue<Request, Result>;

  constructor(private readonly options: ModelHostOptions<Data>) {
    this.admission = new Admission(options.shed?.limit ?? Infinity);
    this.queue = new CallQueue((request, cancelled) => this.run(request, cancelled));
  }

  get state(): ModelState {
    if (this.current !== undefined) return this.current.stopped ? "idle" : "ready";
    if (this.thread !== undefined) return "loading";
    return this.failure === undefined ? "idle" : "failed";
  }

  /** What calls under way and reservations will cost, in the units of shed. */
  get waiting(): number {
    return this.admission.waiting;
  }

  /** Loads the model unless it is loaded; rejects when it cannot load (or is still being fetched). */
  async ready(): Promise<void> {
    await this.load();
  }

  /**
   * Answers `request` on the model's thread, in its turn. Shed at once with shed.busy when `cost`
   * would make more wait than shed.limit; rejects with the signal's reason once it aborts.
   */
  async call(request: Request, { cost = 0, signal }: { cost?: number; signal?: AbortSignal } = {}): Promise<Result> {
    // Held before anything is awaited, so that calls made together are counted in turn.
    const room = this.admission.hold(cost);
    if (room === null) throw this.options.shed?.busy(this.admission.waiting) ?? new Error("shed");
    try {
      return await this.queue.push(request, signal);
    } finally {
      room.release();
    }
  }

  /** Room for a call costing about `cost`, counted as waiting until released; null when it would be shed. */
  reserve(cost: number): Reservation | null {
    return this.admission.hold(cost);
  }

  /** Stops the thread; the next call starts it again. */
  async close(): Promise<void> {
    const thread = this.thread;
    this.forget();
    await thread?.then(
      (t) => t.terminate(),
      () => undefined,
    );
  }

  private async run(request: Request, cancelled: Int32Array): Promise<Result> {
    const thread = await this.load();
    const reply = await thread.call({ request, cancelled }).catch((err: unknown) => {
      // A thread that died during the call is started again by the next one.
      if (thread.stopped && this.current === thread) this.forget();
      throw err;
    });
    if ("error" in reply) throw asError(reply.error);
    return reply.result;
  }

  private forget(): void {
    this.thread = undefined;
    this.current = undefined;
  }

  private load(): Promise<Thread<Request, Result>> {
    // A thread that died between calls is started again, as one that dies during a call is.
    if (this.current?.stopped === true) this.forget();
    if (this.thread !== undefined) return this.thread;
    if (this.failure !== undefined && Date.now() < this.failure.retryAt) return Promise.reject(this.failure.error);
    const thread = this.start();
    this.thread = thread;
    thread.then(
      (started) => {
        if (this.thread === thread) this.current = started;
        this.failure = undefined;
        this.retries.reset();
      },
      (err: unknown) => {
        if (this.thread === thread) this.forget();
        // Still being fetched: the next call looks again, which costs nothing.
        if (this.options.files?.isStarting(err) === true) return;
        const waitMs = this.retries.next();
        this.failure = { error: err instanceof Error ? err : new Error(String(err)), retryAt: Date.now() + waitMs };
        this.options.onLoadFailure?.(err, waitMs / 1000);
      },
    );
    return thread;
  }

  private async start(): Promise<Thread<Request, Result>> {
    await this.options.files?.ensure();
    const { entry, description, data, nice } = this.options;
    const { thread } = await WorkerThread.start<HostedRequest<Request>, HostedReply<Result>, HostedStart>(
      entry,
      { nice, model: data } satisfies HostedData<Data>,
      description,
      (start) => (start.loaded ? undefined : asError(start.error)),
    );
    return thread;
  }
}
