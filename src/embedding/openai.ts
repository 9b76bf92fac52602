import { PermanentEmbeddingError, type Embedder } from "./embedder.js";
import { withTraceHeaders } from "../telemetry/spans.js";

export interface OpenAIEmbedderOptions {
  /** Base URL up to /v1, e.g. https://api.openai.com/v1 or http://localhost:11434/v1 (Ollama). */
  baseUrl: string;
  model: string;
  apiKey: string | undefined;
  /** Requested output size, for models that can shorten their vectors; the model's own size when unset. */
  dimensions: number | undefined;
  timeoutMs: number;
}

/** Any OpenAI-compatible /embeddings endpoint: OpenAI, Ollama, vLLM, TEI. */
export class OpenAIEmbedder implements Embedder {
  readonly id: string;
  dimensions = 0;

  constructor(private readonly options: OpenAIEmbedderOptions) {
    this.id = `openai:${options.model}${options.dimensions ? `:${options.dimensions}` : ""}`;
  }

  /** The size asked of the API; a model that cannot shorten its vectors is found out by ready(). */
  declaredDimensions(): Promise<number | undefined> {
    return Promise.resolve(this.options.dimensions || undefined);
  }

  async ready(): Promise<void> {
    const [probe] = await this.embed(["dimension probe"]);
    this.dimensions = probe?.length ?? 0;
  }

  async embed(texts: string[]): Promise<number[][]> {
    if (texts.length === 0) return [];
    const response = await fetch(`${this.options.baseUrl.replace(/\/+$/, "")}/embeddings`, {
      method: "POST",
      // A batch holds several calls' texts: it travels in the trace of the call that started it.
      headers: withTraceHeaders({
        "content-type": "application/json",
        ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
      }),
      body: JSON.stringify({
        model: this.options.model,
        input: texts,
        ...(this.options.dimensions ? { dimensions: this.options.dimensions } : {}),
      }),
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    if (!response.ok) {
      const detail = (await response.text()).slice(0, 300);
      const message = `embeddings endpoint answered ${response.status}: ${detail}`;
      // 4xx other than rate limiting means this input will never be accepted.
      throw response.status >= 400 && response.status < 500 && response.status !== 429
        ? new PermanentEmbeddingError(message)
        : new Error(message);
    }
    const body = (await response.json()) as { data?: { index: number; embedding: number[] }[] };
    const data = body.data ?? [];
    if (data.length !== texts.length) {
      throw new Error(`embeddings endpoint returned ${data.length} vectors for ${texts.length} inputs`);
    }
    return [...data].sort((a, b) => a.index - b.index).map((d) => normalise(d.embedding));
  }
}

function normalise(vector: number[]): number[] {
  const norm = Math.hypot(...vector);
  return norm === 0 ? vector : vector.map((x) => x / norm);
}
