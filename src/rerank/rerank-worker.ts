/**
 * The reranker's thread: loads a cross-encoder through transformers.js and answers a query with
 * one relevance logit per passage. Like the embedder's thread (src/embedding/inference-worker.ts)
 * it keeps ONNX Runtime's synchronous runs off the server's event loop. Started by LocalReranker
 * (local-reranker.ts); from src/ it runs through Node's type stripping, so it imports packages
 * only and uses erasable syntax only.
 */
import { getPriority, setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { AutoModelForSequenceClassification, AutoTokenizer, env } from "@huggingface/transformers";

export interface RerankWorkerData {
  /** The nice value this thread and the model's pool threads run at (RERANKER_THREAD_NICE). */
  nice: number;
  model: string;
  modelDir: string;
  dtype: "q8" | "fp32";
  /** Query and passage together are cut to this many tokens. */
  maxLength: number;
  /** The query alone is cut to this many tokens first, so that every passage keeps the rest. */
  maxQueryLength: number;
  /** Pairs scored per model run. */
  group: number;
}

export interface RerankRequest {
  id: number;
  query: string;
  passages: string[];
  /** Over a SharedArrayBuffer: its caller sets it to 1 when it no longer wants the scores. */
  cancelled: Int32Array;
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

/** Code-unit order, the same on every machine (localeCompare's depends on the locale). */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const describe = (err: unknown) =>
  err instanceof Error ? { name: err.name, message: err.message } : { name: "Error", message: String(err) };

// Before the model starts its pool threads, which inherit it. Only ever lower than the priority
// the server was started at (raising it takes privileges), and a refusal only keeps that one.
try {
  setPriority(Math.max(getPriority(), options.nice));
} catch {
  // The thread runs at the server's own priority.
}
env.allowRemoteModels = false;
env.localModelPath = options.modelDir;
try {
  const tokenizer = await AutoTokenizer.from_pretrained(options.model);
  const model = await AutoModelForSequenceClassification.from_pretrained(options.model, {
    dtype: options.dtype,
    session_options: SESSION_OPTIONS,
  });
  /** A text cut to at most `max` tokens (special tokens aside): its first tokens, as text again. */
  const cut = (text: string, max: number): { text: string; tokens: number } => {
    const ids = tokenizer.encode(text, { add_special_tokens: false });
    if (ids.length <= max) return { text, tokens: ids.length };
    return { text: tokenizer.decode(ids.slice(0, max)), tokens: max };
  };
  /** How many tokens the tokenizer adds to a pair: [CLS] query [SEP] passage [SEP] for BERT. */
  const pairSpecials =
    tokenizer.encode("query", { text_pair: "passage" }).length -
    cut("query", Infinity).tokens -
    cut("passage", Infinity).tokens;

  /**
   * The int8 model quantises each run's activations with scales taken from the whole run, padding
   * included, so a pair's score depends on the pairs beside it. Pairs are grouped by their length
   * in tokens (ties by text), so a group pads little, and the same candidates are scored the same
   * in whatever order they come. Padding goes to the group's longest pair, not to the 512 tokens
   * the packaged tokenizer.json pads to. Query and passage are cut apart (the tokenizer would cut
   * the pair's end: the passage, and its closing separator): the query to maxQueryLength, each
   * passage to what the query leaves.
   */
  const score = async (query: string, passages: string[], cancelled?: Int32Array) => {
    const question = cut(query, options.maxQueryLength);
    const room = Math.max(options.maxLength - pairSpecials - question.tokens, 1);
    const order = passages
      .map((passage, index) => ({ index, ...cut(passage, room) }))
      .sort((a, b) => a.tokens - b.tokens || compare(a.text, b.text));
    const logits = new Float32Array(passages.length);
    for (let start = 0; start < order.length; start += options.group) {
      // Its caller went away: the rest of the call is not worth the cores.
      if (cancelled !== undefined && Atomics.load(cancelled, 0) === 1) throw new Error("the caller went away");
      const members = order.slice(start, start + options.group);
      const inputs = tokenizer(
        members.map(() => question.text),
        // Truncation only guards against a cut text that tokenizes a token longer than counted.
        { text_pair: members.map((m) => m.text), padding: true, truncation: true, max_length: options.maxLength },
      );
      const output = ((await model(inputs)) as { logits?: { data: Float32Array; dims: number[] } }).logits;
      if (output === undefined || output.dims[1] !== 1) {
        throw new Error(`${options.model} is not a cross-encoder: it does not give one relevance score a pair`);
      }
      members.forEach((m, j) => logits.set(output.data.subarray(j, j + 1), m.index));
    }
    return logits;
  };
  // A model that does not give one relevance logit a pair fails here, at load, not on a search.
  await score("query", ["passage"]);
  port.postMessage({ loaded: true } satisfies RerankStart);

  // One query at a time: the model already uses every core for one.
  let queue = Promise.resolve();
  port.on("message", (request: RerankRequest) => {
    queue = queue.then(async () => {
      try {
        const logits = await score(request.query, request.passages, request.cancelled);
        port.postMessage({ id: request.id, logits } satisfies RerankReply, [logits.buffer]);
      } catch (err) {
        port.postMessage({ id: request.id, error: describe(err) } satisfies RerankReply);
      }
    });
  });
} catch (err) {
  port.postMessage({ loaded: false, error: describe(err) } satisfies RerankStart);
}
