import PQueue from "p-queue";
import { Admission } from "../model-host/admission.js";
import { withTraceHeaders } from "../telemetry/spans.js";
import { RERANK_CANDIDATES } from "./rerank.js";
import { rerankBody, rerankScores, type RerankApi } from "./rerank-api.js";
import { RerankerBusy, type RerankReservation, type Reranker } from "./reranker.js";

export interface RemoteRerankerOptions {
  /** The endpoint each call is posted to, e.g. http://gpu-box:8080/rerank. */
  url: string;
  api: RerankApi;
  /** The model the service should use (Jina and Cohere need one; TEI serves one and ignores it). */
  model?: string;
  /** Sent as a bearer token. */
  apiKey?: string;
  /** How long a call may take once sent; a slower one fails, and the search keeps its order. */
  timeoutMs: number;
  /** Calls sent at once; more wait their turn here. */
  concurrency: number;
  /** Passages allowed to wait or be under way before a call is shed (default: MAX_WAITING_PAIRS x concurrency). */
  maxWaitingPairs?: number;
  /** How long searches skip the service after a call fails, before one tries it again (default 5 s). */
  retryAfterMs?: number;
  /** Told when a call fails, and in how many seconds the next one is tried. */
  onFailure?: (err: unknown, retryInSeconds: number) => void;
}

/** Per call sent at once: four default searches' candidates may wait behind it before calls are shed. */
const MAX_WAITING_PAIRS = 4 * RERANK_CANDIDATES;

const RETRY_AFTER_MS = 5_000;

/**
 * The most an answer may hold: Jina echoes the documents unless told not to, and 40 passages of
 * 4,096 characters are about 700 KB as JSON; an answer past this is refused unread.
 */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** The body as JSON, read only while it stays within `maxBytes`. */
async function boundedJson(response: Response, maxBytes: number): Promise<unknown> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw new Error(`the reranker's answer is ${declared} bytes, over ${maxBytes}`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new Error(`the reranker's answer is over ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new Error("the reranker's answer is not JSON");
  }
}

/**
 * A cross-encoder served over HTTP by a rerank API (TEI, Jina, Cohere, vLLM, Infinity), for
 * deployments with a GPU and a stronger model than the packaged one. It sheds as LocalReranker
 * does, counting passages rather than tokens, bounds the calls in flight, and after a failure
 * (an error answer, a timeout, a refused connection) lets searches keep their order at once for
 * a while instead of each waiting out the timeout.
 */
export class RemoteReranker implements Reranker {
  readonly id: string;
  private readonly queue: PQueue;
  private readonly admission: Admission;
  /** Until then searches skip the service: a call failed, with this error. */
  private downUntil = 0;
  private lastFailure: unknown;

  constructor(private readonly options: RemoteRerankerOptions) {
    const url = new URL(options.url);
    // Never the credentials a URL may carry: the id is shown in stats, metrics and traces.
    this.id = `remote:${url.host}${url.pathname}${options.model ? `:${options.model}` : ""}`;
    this.queue = new PQueue({ concurrency: options.concurrency, timeout: options.timeoutMs });
    this.admission = new Admission(options.maxWaitingPairs ?? MAX_WAITING_PAIRS * options.concurrency);
  }

  get loaded(): boolean {
    return Date.now() >= this.downUntil;
  }

  /**
   * Asks the service to score one pair: resolves once it answers as a rerank API does. While
   * searches skip it after a failure, rejects with that failure without asking (a search that
   * finds it down calls this in the background).
   */
  async ready(): Promise<void> {
    if (!this.loaded) throw this.lastFailure;
    await this.call("ready", ["ready"]);
  }

  reserve(pairs: number): RerankReservation | null {
    return this.admission.hold(pairs);
  }

  async score(query: string, passages: string[], signal?: AbortSignal): Promise<number[]> {
    signal?.throwIfAborted();
    if (passages.length === 0) return [];
    const room = this.admission.hold(passages.length);
    if (room === null) throw new RerankerBusy(`about ${this.admission.waiting} passages are waiting for the reranker`);
    try {
      return await this.call(query, passages, signal);
    } finally {
      room.release();
    }
  }

  async close(): Promise<void> {
    this.queue.clear();
    await this.queue.onIdle();
  }

  /** One request in its turn; a failure the caller did not cause makes searches skip the service a while. */
  private async call(query: string, passages: string[], signal?: AbortSignal): Promise<number[]> {
    try {
      const scores = await this.queue.add(({ signal: timeout }) => this.post(query, passages, timeout), { signal });
      this.downUntil = 0;
      return scores;
    } catch (err) {
      if (signal?.aborted !== true) this.failed(err);
      throw err;
    }
  }

  private async post(query: string, passages: string[], timeout: AbortSignal | undefined): Promise<number[]> {
    const { url, api, model, apiKey } = this.options;
    const response = await fetch(url, {
      method: "POST",
      headers: withTraceHeaders({
        "content-type": "application/json",
        ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
      }),
      body: JSON.stringify(rerankBody(api, query, passages, model)),
      signal: timeout,
    });
    // Only the status: an error body may quote the passages, which are memory content.
    if (!response.ok) throw new Error(`the reranker answered HTTP ${response.status}`);
    return rerankScores(await boundedJson(response, MAX_ANSWER_BYTES), passages.length);
  }

  private failed(err: unknown): void {
    const retryAfterMs = this.options.retryAfterMs ?? RETRY_AFTER_MS;
    this.downUntil = Date.now() + retryAfterMs;
    this.lastFailure = err;
    this.options.onFailure?.(err, retryAfterMs / 1000);
  }
}
