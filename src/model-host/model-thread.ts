/**
 * The thread side of a model host: what a model's worker entry calls with its loader. It runs
 * through Node's type stripping from src/, so it imports packages and types only.
 */
import { getPriority, setPriority } from "node:os";
import { parentPort, workerData, type TransferListItem } from "node:worker_threads";
import type { Failure, HostedData, HostedReply, HostedRequest, HostedStart } from "./protocol.js";

/** A call's result, and the buffers in it that move to the host rather than being copied. */
export interface Answer<Result> {
  result: Result;
  transfer?: TransferListItem[];
}

/**
 * A loaded model answering one call: `cancelled()` turns true once the call's caller went away,
 * for a long call to stop at its next step.
 */
export type Model<Request, Result> = (request: Request, cancelled: () => boolean) => Promise<Answer<Result>>;

const describe = (err: unknown): Failure =>
  err instanceof Error ? { name: err.name, message: err.message } : { name: "Error", message: String(err) };

/**
 * Only ever lower than the priority the server was started at (raising it takes privileges); a
 * refusal keeps the server's. On Linux a thread's nice value is its own, and the threads it
 * starts afterwards (ONNX Runtime's pool) inherit it, so this runs before the model loads.
 */
function lowerPriority(nice: number): void {
  try {
    setPriority(Math.max(getPriority(), nice));
  } catch {
    // The thread runs at the server's own priority.
  }
}

/**
 * Loads the model with `load`, says whether it loaded (the host's WorkerThread.start reads it),
 * then answers the host's calls. The host sends one call at a time (call-queue.ts), so the
 * model, which already uses every core for one, never runs two.
 */
export async function serveModel<Data, Request, Result>(
  load: (data: Data) => Promise<Model<Request, Result>>,
): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error("a model's entry runs as a worker thread");
  const { nice, model: data } = workerData as HostedData<Data>;
  if (nice !== undefined) lowerPriority(nice);
  let model: Model<Request, Result>;
  try {
    model = await load(data);
  } catch (err) {
    port.postMessage({ loaded: false, error: describe(err) } satisfies HostedStart);
    return;
  }
  port.postMessage({ loaded: true } satisfies HostedStart);
  port.on("message", ({ id, request, cancelled }: HostedRequest<Request>) => {
    model(request, () => Atomics.load(cancelled, 0) === 1).then(
      ({ result, transfer = [] }) => port.postMessage({ id, result } satisfies HostedReply<Result>, transfer),
      (err: unknown) => port.postMessage({ id, error: describe(err) } satisfies HostedReply<Result>),
    );
  });
}
