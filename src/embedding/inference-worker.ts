/**
 * The local embedder's thread: loads the ONNX model through transformers.js and answers batches
 * of texts with their vectors. ONNX Runtime's Node binding runs a session synchronously on the
 * thread that calls it, so on the server's event loop every batch stalled every request for as
 * long as the model ran. Hosted by LocalEmbedder (local.ts) through a ModelHost; from src/ it
 * runs through Node's type stripping, so it imports packages and the host's thread side only
 * (by their .ts names), and uses erasable syntax only.
 */
import { pipeline } from "@huggingface/transformers";
import { serveModel } from "../model-host/model-thread.ts";
import { readModelsFrom, sessionOptions } from "../model-host/onnx-thread.ts";

export interface InferenceWorkerData {
  model: string;
  modelDir: string;
  dtype: "q8" | "fp32";
  pooling: "mean" | "cls";
  /** ONNX Runtime's threads for one run; unset, one per core. */
  threads?: number;
}

export interface InferenceRequest {
  texts: string[];
}

/** Vectors travel as one flat Float32Array (transferred, not copied), `dimensions` apiece. */
export interface InferenceResult {
  flat: Float32Array;
  dimensions: number;
}

await serveModel<InferenceWorkerData, InferenceRequest, InferenceResult>(async (options) => {
  readModelsFrom(options.modelDir);
  const extract = await pipeline("feature-extraction", options.model, {
    dtype: options.dtype,
    session_options: sessionOptions(options.threads),
  });
  return async ({ texts }) => {
    const output = await extract(texts, { pooling: options.pooling, normalize: true });
    const flat = new Float32Array(output.data as Float32Array);
    const dimensions = texts.length === 0 ? 0 : flat.length / texts.length;
    return { result: { flat, dimensions }, transfer: [flat.buffer] };
  };
});
