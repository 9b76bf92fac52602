/**
 * What the embedder's and the reranker's threads share about transformers.js: local files only,
 * and ONNX Runtime's session options. Thread side: packages only (see model-thread.ts).
 */
import { env } from "@huggingface/transformers";

/**
 * ONNX Runtime's session options: `threads` for one run (unset: a thread per core, its default).
 * Its pool threads spin while waiting for work by default, competing with the server's threads
 * for the same cores; blocking costs nothing measurable per run.
 */
export function sessionOptions(threads?: number) {
  return {
    ...(threads === undefined ? {} : { intraOpNumThreads: threads }),
    extra: { session: { intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } } },
  };
}

/** Models are read from <modelDir>/<model id>/ only: a thread never downloads (ModelFiles does). */
export function readModelsFrom(modelDir: string): void {
  env.allowRemoteModels = false;
  env.localModelPath = modelDir;
}
