/**
 * The local embedder's thread: loads the ONNX model through transformers.js and answers batches
 * of texts with their vectors. ONNX Runtime's Node binding runs a session synchronously on the
 * thread that calls it, so on the server's event loop every batch stalled every request for as
 * long as the model ran. Started by LocalEmbedder (local.ts); from src/ it runs through Node's
 * type stripping, so it imports packages only and uses erasable syntax only.
 */
import { parentPort, workerData } from "node:worker_threads";
import { env, pipeline } from "@huggingface/transformers";

export interface InferenceWorkerData {
  model: string;
  modelDir: string;
  dtype: "q8" | "fp32";
  pooling: "mean" | "cls";
}

export interface InferenceRequest {
  id: number;
  texts: string[];
}

/** Vectors travel as one flat Float32Array (transferred, not copied), `dimensions` apiece. */
export type InferenceReply =
  { id: number; flat: Float32Array; dimensions: number } | { id: number; error: { name: string; message: string } };

/** The first message: whether the model loaded. */
export type InferenceStart = { loaded: true } | { loaded: false; error: { name: string; message: string } };

/**
 * ONNX Runtime's pool threads spin while waiting for work by default, competing with the server's
 * threads for the same cores; blocking costs nothing measurable per batch.
 */
const SESSION_OPTIONS = {
  extra: { session: { intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } } },
};

const port = parentPort;
if (port === null) throw new Error("inference-worker runs as a worker thread");
const options = workerData as InferenceWorkerData;

const describe = (err: unknown) =>
  err instanceof Error ? { name: err.name, message: err.message } : { name: "Error", message: String(err) };

env.allowRemoteModels = false;
env.localModelPath = options.modelDir;
try {
  const extract = await pipeline("feature-extraction", options.model, {
    dtype: options.dtype,
    session_options: SESSION_OPTIONS,
  });
  port.postMessage({ loaded: true } satisfies InferenceStart);
  // One batch at a time: the model already uses every core for one.
  let queue = Promise.resolve();
  port.on("message", (request: InferenceRequest) => {
    queue = queue.then(async () => {
      try {
        const output = await extract(request.texts, { pooling: options.pooling, normalize: true });
        const flat = new Float32Array(output.data as Float32Array);
        const dimensions = request.texts.length === 0 ? 0 : flat.length / request.texts.length;
        port.postMessage({ id: request.id, flat, dimensions } satisfies InferenceReply, [flat.buffer]);
      } catch (err) {
        port.postMessage({ id: request.id, error: describe(err) } satisfies InferenceReply);
      }
    });
  });
} catch (err) {
  port.postMessage({ loaded: false, error: describe(err) } satisfies InferenceStart);
}
