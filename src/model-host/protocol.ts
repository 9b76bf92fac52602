/**
 * The messages between a model host (model-host.ts) and its model's thread (model-thread.ts).
 * Type-only: a thread imports these through Node's type stripping, which erases them.
 */

/** An error as it crosses threads: its class is lost, its name and message are kept. */
export interface Failure {
  name: string;
  message: string;
}

/** What a model's thread is started with. */
export interface HostedData<Data> {
  /** The nice value the thread and the threads it starts run at; the process's own when unset. */
  nice: number | undefined;
  /** What the model's loader is given (its files, its settings). */
  model: Data;
}

export interface HostedRequest<Request> {
  id: number;
  request: Request;
  /** Over a SharedArrayBuffer: the host sets it to 1 when the call's caller went away. */
  cancelled: Int32Array;
}

export type HostedReply<Result> = { id: number; result: Result } | { id: number; error: Failure };

/** The thread's first message: whether the model loaded. */
export type HostedStart = { loaded: true } | { loaded: false; error: Failure };
