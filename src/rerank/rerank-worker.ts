/**
 * The reranker's thread: loads a cross-encoder through transformers.js and answers a query with
 * one relevance logit per passage. Like the embedder's thread (src/embedding/inference-worker.ts)
 * it keeps ONNX Runtime's synchronous runs off the server's event loop. Hosted by LocalReranker
 * (local-reranker.ts) through a ModelHost, at a lower priority; from src/ it runs through Node's
 * type stripping, so it imports packages and the host's thread side only (by their .ts names),
 * and uses erasable syntax only.
 */
import { AutoModelForSequenceClassification, AutoTokenizer } from "@huggingface/transformers";
import { serveModel } from "../model-host/model-thread.ts";
import { readModelsFrom, sessionOptions } from "../model-host/onnx-thread.ts";

export interface RerankWorkerData {
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
  query: string;
  passages: string[];
}

/** Code-unit order, the same on every machine (localeCompare's depends on the locale). */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

await serveModel<RerankWorkerData, RerankRequest, Float32Array>(async (options) => {
  readModelsFrom(options.modelDir);
  const tokenizer = await AutoTokenizer.from_pretrained(options.model);
  const model = await AutoModelForSequenceClassification.from_pretrained(options.model, {
    dtype: options.dtype,
    session_options: sessionOptions(),
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
  const score = async (query: string, passages: string[], cancelled: () => boolean) => {
    const question = cut(query, options.maxQueryLength);
    const room = Math.max(options.maxLength - pairSpecials - question.tokens, 1);
    const order = passages
      .map((passage, index) => ({ index, ...cut(passage, room) }))
      .sort((a, b) => a.tokens - b.tokens || compare(a.text, b.text));
    const logits = new Float32Array(passages.length);
    for (let start = 0; start < order.length; start += options.group) {
      // Its caller went away: the rest of the call is not worth the cores.
      if (cancelled()) throw new Error("the caller went away");
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
  await score("query", ["passage"], () => false);
  return async ({ query, passages }, cancelled) => {
    const logits = await score(query, passages, cancelled);
    return { result: logits, transfer: [logits.buffer] };
  };
});
