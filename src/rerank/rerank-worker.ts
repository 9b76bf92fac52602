/**
 * The reranker's thread: loads a cross-encoder through transformers.js and answers a query with
 * one relevance logit per passage. Like the embedder's thread (src/embedding/inference-worker.ts)
 * it keeps ONNX Runtime's synchronous runs off the server's event loop. Started by LocalReranker
 * (local-reranker.ts); from src/ it runs through Node's type stripping, so it imports packages
 * only and uses erasable syntax only.
 */
import { parentPort, workerData } from "node:worker_threads";
import { AutoModelForSequenceClassification, AutoTokenizer, env } from "@huggingface/transformers";

export interface RerankWorkerData {
  model: string;
  modelDir: string;
  dtype: "q8" | "fp32";
  /** Query and passage together are cut to this many tokens. */
  maxLength: number;
  /** Pairs scored per model run. */
  group: number;
}

export interface RerankRequest {
  id: number;
  query: string;
  passages: string[];
}

export type RerankReply =
  { id: number; logits: Float32Array } | { id: number; error: { name: string; message: string } };

/** The first message: whether the model loaded. */
export type RerankStart = { loaded: true } | { loaded: false; error: { name: string; message: string } };

/** As in the embedder's thread: ONNX Runtime's pool threads block rather than spin between runs. */
const SESSION_OPTIONS = {
  extra: { session: { intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } } },
};

const port = parentPort;
if (port === null) throw new Error("rerank-worker runs as a worker thread");
const options = workerData as RerankWorkerData;

const describe = (err: unknown) =>
  err instanceof Error ? { name: err.name, message: err.message } : { name: "Error", message: String(err) };

env.allowRemoteModels = false;
env.localModelPath = options.modelDir;
try {
  const tokenizer = await AutoTokenizer.from_pretrained(options.model);
  const model = await AutoModelForSequenceClassification.from_pretrained(options.model, {
    dtype: options.dtype,
    session_options: SESSION_OPTIONS,
  });
  port.postMessage({ loaded: true } satisfies RerankStart);

  /**
   * The int8 model quantises each run's activations with scales taken from the whole run, so a
   * pair's score depends on the pairs beside it: scoring in fixed groups, in the order given,
   * keeps the same candidates' scores the same from one search to the next. Padding goes to the
   * group's longest pair, not to the 512 tokens the packaged tokenizer.json pads to.
   */
  const score = async (query: string, passages: string[]) => {
    const logits = new Float32Array(passages.length);
    for (let start = 0; start < passages.length; start += options.group) {
      const group = passages.slice(start, start + options.group);
      const inputs = tokenizer(
        group.map(() => query),
        { text_pair: group, padding: true, truncation: true, max_length: options.maxLength },
      );
      const output = (await model(inputs)) as { logits: { data: Float32Array } };
      logits.set(output.logits.data.subarray(0, group.length), start);
    }
    return logits;
  };

  // One query at a time: the model already uses every core for one.
  let queue = Promise.resolve();
  port.on("message", (request: RerankRequest) => {
    queue = queue.then(async () => {
      try {
        const logits = await score(request.query, request.passages);
        port.postMessage({ id: request.id, logits } satisfies RerankReply, [logits.buffer]);
      } catch (err) {
        port.postMessage({ id: request.id, error: describe(err) } satisfies RerankReply);
      }
    });
  });
} catch (err) {
  port.postMessage({ loaded: false, error: describe(err) } satisfies RerankStart);
}
