import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Reranker } from "../../src/rerank/reranker.js";
import { realReranker } from "./embedders.js";

/**
 * A real rerank API over HTTP serving the packaged cross-encoder: POST /rerank with TEI's body
 * (`{query, texts}`, answered `[{index, score}]`) or Jina's and Cohere's (`{query, documents,
 * top_n}`, answered `{results: [{index, relevance_score}]}`), best first as they answer. A test
 * can slow it, make it fail, require a key, and see what it was sent.
 */
export class RerankServer {
  /** Milliseconds each call waits before it is scored. */
  delayMs = 0;
  /** An HTTP status to answer instead of scoring (0: score). */
  failWith = 0;
  /** A body to answer with (status 200) instead of scoring. */
  rawAnswer: string | undefined;
  /** Calls received, and the most under way at once. */
  calls = 0;
  maxInFlight = 0;
  /** The body and authorization header of the last call. */
  lastBody: Record<string, unknown> | undefined;
  lastAuthorization: string | undefined;
  private inFlight = 0;
  private server: Server | undefined;

  constructor(private readonly model: Reranker = realReranker()) {}

  /** Starts listening; resolves to the endpoint's URL. */
  async start(): Promise<string> {
    await this.model.ready();
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        this.calls += 1;
        this.inFlight += 1;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        this.lastAuthorization = req.headers.authorization;
        // Under way until answered or until its caller hangs up (a timeout), whichever is first.
        res.once("close", () => (this.inFlight -= 1));
        void this.answer(req.url ?? "", body).then(([status, answer]) => {
          if (res.destroyed) return;
          res.writeHead(status, { "content-type": "application/json" });
          res.end(this.rawAnswer ?? JSON.stringify(answer));
        });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/rerank`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async answer(path: string, text: string): Promise<[number, unknown]> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failWith !== 0) return [this.failWith, { error: "failing as told" }];
    if (path !== "/rerank") return [404, { error: "not found" }];
    const body = JSON.parse(text) as { query?: string; texts?: string[]; documents?: string[] };
    this.lastBody = body;
    const passages = body.texts ?? body.documents;
    if (typeof body.query !== "string" || !Array.isArray(passages)) return [422, { error: "query and texts" }];
    const scores = await this.model.score(body.query, passages);
    const ranked = scores.map((score, index) => ({ index, score })).sort((a, b) => b.score - a.score);
    if (body.texts !== undefined) return [200, ranked];
    return [200, { results: ranked.map(({ index, score }) => ({ index, relevance_score: score })) }];
  }
}
