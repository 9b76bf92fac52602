import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Embedder } from "../../src/embedding/embedder.js";
import { LocalEmbedder } from "../../src/embedding/local.js";
import { LocalReranker } from "../../src/rerank/local-reranker.js";
import { RERANK_MAX_TOKENS } from "../../src/rerank/rerank.js";

let loaded: Embedder | undefined;

/**
 * The real all-MiniLM-L6-v2 model, from the directory scripts/fetch-model.sh fills (`npm test`
 * runs it first; ENGRAM_MODEL_DIR points elsewhere). Never downloads anything. Loaded once per test
 * worker: the files of a worker that does not isolate them (the service tier) share it.
 */
export function realModel(): Embedder {
  loaded ??= new LocalEmbedder({
    model: "Xenova/all-MiniLM-L6-v2",
    modelDir: process.env.ENGRAM_MODEL_DIR ?? ".models",
    dtype: "q8",
  });
  return loaded;
}

/**
 * A deterministic bag-of-words embedder: each word lights one of 384 dimensions, so texts
 * sharing words are near each other. Fast enough for suites that need thousands of vectors
 * and care about filtering, not meaning.
 */
export class WordHashEmbedder implements Embedder {
  readonly id = "test:word-hash";
  readonly dimensions = 384;
  async ready(): Promise<void> {}
  async embed(texts: string[]): Promise<number[][]> {
    return texts.map(wordHashVector);
  }
}

export function wordHashVector(text: string): number[] {
  const vector = new Array<number>(384).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    const digest = createHash("sha256").update(word).digest();
    vector[digest.readUInt16BE(0) % 384]! += 1;
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((x) => x / norm);
}

/**
 * A real OpenAI-compatible /v1/embeddings endpoint over HTTP, backed by WordHashEmbedder,
 * that a test can take down and bring back.
 */
export class FakeEmbeddingsApi {
  up = true;
  requests = 0;
  private server: Server | undefined;

  async start(): Promise<string> {
    const embedder = new WordHashEmbedder();
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        this.requests += 1;
        if (!this.up || req.url !== "/v1/embeddings") {
          res.writeHead(this.up ? 404 : 503, { "content-type": "application/json" }).end('{"error":"unavailable"}');
          return;
        }
        const input = (JSON.parse(body) as { input: string[] }).input;
        void embedder.embed(input).then((vectors) => {
          const data = vectors.map((embedding, index) => ({ object: "embedding", index, embedding }));
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data }));
        });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

let reranker: LocalReranker | undefined;

/**
 * The real ms-marco-MiniLM-L-12-v2 cross-encoder, from the same directory (scripts/fetch-model.sh
 * places both); loaded once per test worker, like realModel().
 */
export function realReranker(): LocalReranker {
  reranker ??= new LocalReranker({
    model: "cross-encoder/ms-marco-MiniLM-L-12-v2",
    modelDir: process.env.ENGRAM_MODEL_DIR ?? ".models",
    dtype: "q8",
    maxLength: RERANK_MAX_TOKENS,
  });
  return reranker;
}
