import { choice, number, optionalText, text } from "./settings.js";
import { RERANK_APIS } from "./rerank/rerank-api.js";

/** The reranker's settings (part of SETTINGS, server-settings.ts): a local model, or a rerank API's URL and how to call it. */
export const RERANKER_SETTINGS = {
  reranker: text({
    flag: "--reranker <model|url>",
    env: "ENGRAM_RERANKER",
    initial: "cross-encoder/ms-marco-MiniLM-L-12-v2",
    help: "cross-encoder for searches that ask for rerank: a model from --model-dir (fetched like the embedder when unset), the http(s) URL of a rerank API (TEI, Jina, Cohere), or none",
  }),
  remoteReranker: {
    api: choice(RERANK_APIS, {
      flag: "--reranker-api <api>",
      env: "ENGRAM_RERANKER_API",
      initial: "cohere",
      help: "the request a --reranker URL takes: cohere ({query, documents, top_n}: Jina, Cohere, vLLM, Infinity) or tei ({query, texts})",
    }),
    model: optionalText({
      flag: "--reranker-model <name>",
      env: "ENGRAM_RERANKER_MODEL",
      help: "the model a --reranker URL is asked for (Jina and Cohere need one)",
    }),
    apiKey: optionalText({
      flag: "--reranker-api-key <key>",
      env: "ENGRAM_RERANKER_API_KEY",
      help: "bearer token for a --reranker URL",
    }),
    timeoutMs: number(1, 60000, {
      flag: "--reranker-timeout-ms <ms>",
      env: "ENGRAM_RERANKER_TIMEOUT_MS",
      initial: 2000,
      help: "how long a --reranker URL may take to answer; a slower answer keeps the search's order",
    }),
    concurrency: number(1, 256, {
      flag: "--reranker-concurrency <n>",
      env: "ENGRAM_RERANKER_CONCURRENCY",
      initial: 4,
      help: "calls sent to a --reranker URL at once; more wait, and past about four searches each a search keeps its order",
    }),
  },
};
