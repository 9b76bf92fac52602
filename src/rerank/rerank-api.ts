/**
 * The rerank APIs a RemoteReranker speaks. Jina, Cohere, vLLM and Infinity take
 * `{model, query, documents, top_n}` and answer `{results: [{index, relevance_score}]}`; TEI's
 * own /rerank takes `{query, texts}` and answers `[{index, score}]`. Either answer is read
 * whichever was asked, since servers that speak one often answer in the other's shape too.
 */
export type RerankApi = "cohere" | "tei";

export const RERANK_APIS = ["cohere", "tei"] as const satisfies readonly RerankApi[];

/** The request body for `passages`, all of them scored (top_n is their number). */
export function rerankBody(api: RerankApi, query: string, passages: string[], model: string | undefined): object {
  if (api === "tei") return { query, texts: passages, truncate: true, raw_scores: false, return_text: false };
  return { ...(model ? { model } : {}), query, documents: passages, top_n: passages.length };
}

/**
 * Each passage's score from an answer, in the order the passages were sent. The answer must
 * score every passage once; scores are relevance probabilities (0..1), as TEI without raw scores,
 * Jina and Cohere give them, and one a little outside that range is clamped to it.
 */
export function rerankScores(answer: unknown, passages: number): number[] {
  const results = Array.isArray(answer) ? answer : (answer as { results?: unknown } | null)?.results;
  if (!Array.isArray(results)) throw new Error("the reranker's answer holds no results");
  const scores = new Array<number | undefined>(passages).fill(undefined);
  for (const result of results as unknown[]) {
    const { index, score } = indexedScore(result);
    if (!Number.isInteger(index) || index < 0 || index >= passages || scores[index] !== undefined) {
      throw new Error(`the reranker's answer has a result for index ${String(index)} of ${passages} passages`);
    }
    scores[index] = Math.min(1, Math.max(0, score));
  }
  const missing = scores.findIndex((s) => s === undefined);
  if (missing >= 0) throw new Error(`the reranker's answer has no score for passage ${missing} of ${passages}`);
  return scores as number[];
}

function indexedScore(result: unknown): { index: number; score: number } {
  const r = (result ?? {}) as { index?: unknown; relevance_score?: unknown; score?: unknown };
  const score = r.relevance_score ?? r.score;
  if (typeof r.index !== "number" || typeof score !== "number" || !Number.isFinite(score)) {
    throw new Error("the reranker's answer has a result without a numeric index and score");
  }
  return { index: r.index, score };
}
