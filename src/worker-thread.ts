import { Worker, type TransferListItem } from "node:worker_threads";

/**
 * A worker thread's entry file, given as its source beside the module that starts it: that file
 * when running from src/ (Node strips its types), dist/<name>.js once built (scripts/build.js
 * bundles each worker as an entry of its own, beside dist/engram.js and its chunks/).
 */
function workerEntry(source: URL): URL {
  const here = import.meta.url;
  if (here.endsWith(".ts")) return source;
  const name = source.pathname.slice(source.pathname.lastIndexOf("/") + 1).replace(/\.ts$/, ".js");
  return new URL(here.includes("/dist/chunks/") ? `../${name}` : `./${name}`, here);
}

/** A request as its sender writes it: the thread numbers it. */
export type Unnumbered<Request> = Request extends unknown ? Omit<Request, "id"> : never;

interface Waiting<Reply> {
  resolve(reply: Reply): void;
  reject(err: unknown): void;
}

/**
 * A worker thread answering calls: each call's message carries an id, and so does its reply. The
 * thread keeps the process alive only while it is starting or a call waits, as the work it took
 * over (PGlite, ONNX Runtime) did not when it ran on the main thread: a process with nothing left
 * to do exits without closing it first.
 */
export class WorkerThread<Request extends { id: number }, Reply extends { id: number }> {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiting<Reply>>();
  private nextId = 1;
  private stoppedWith: Error | undefined;
  /** The thread's first message, which says how it started. */
  private readonly started: Promise<unknown>;

  /**
   * Starts a thread and waits for its first message. When `refusal` reads a failure in that
   * message (the model or the database did not open), the thread is stopped and the error thrown.
   */
  static async start<Request extends { id: number }, Reply extends { id: number }, Start>(
    source: URL,
    workerData: unknown,
    description: string,
    refusal: (start: Start) => Error | undefined,
  ): Promise<{ thread: WorkerThread<Request, Reply>; start: Start }> {
    const thread = new WorkerThread<Request, Reply>(source, workerData, description);
    const start = (await thread.started) as Start;
    const error = refusal(start);
    if (error !== undefined) {
      await thread.terminate();
      throw error;
    }
    return { thread, start };
  }

  /**
   * @param source the entry's source file (see workerEntry)
   * @param description names the thread in errors, e.g. "the embedded database's thread"
   */
  private constructor(source: URL, workerData: unknown, description: string) {
    this.worker = new Worker(workerEntry(source), { workerData });
    let starting: Waiting<unknown> | undefined;
    this.started = new Promise((resolve, reject) => (starting = { resolve, reject }));
    this.worker.on("message", (message: unknown) => {
      if (starting !== undefined) {
        starting.resolve(message);
        starting = undefined;
        this.updateRef();
        return;
      }
      const reply = message as Reply;
      const call = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      this.updateRef();
      call?.resolve(reply);
    });
    const stop = (err: Error) => {
      this.stoppedWith ??= err;
      starting?.reject(this.stoppedWith);
      starting = undefined;
      for (const call of this.waiting.values()) call.reject(this.stoppedWith);
      this.waiting.clear();
    };
    this.worker.on("error", (err) => stop(new Error(`${description} failed: ${err.message}`, { cause: err })));
    this.worker.on("exit", (code) => stop(new Error(`${description} has stopped (exit code ${code})`)));
  }

  /** Whether the thread has exited: every call fails from then on. */
  get stopped(): boolean {
    return this.stoppedWith !== undefined;
  }

  /** Sends a request and resolves with its reply; rejects at once once the thread has stopped. */
  call(request: Unnumbered<Request>, transfer: readonly TransferListItem[] = []): Promise<Reply> {
    if (this.stoppedWith !== undefined) return Promise.reject(this.stoppedWith);
    const id = this.nextId++;
    const reply = new Promise<Reply>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    this.updateRef();
    this.worker.postMessage({ ...request, id }, transfer);
    return reply;
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  private updateRef(): void {
    if (this.waiting.size > 0) this.worker.ref();
    else this.worker.unref();
  }
}
