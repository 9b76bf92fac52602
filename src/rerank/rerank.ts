/**
 * The rerank stage of a search: a cross-encoder reads the query beside each of the fused
 * results' text and its score, blended with the fused score, reorders them. Candidates and
 * weight were chosen on LoCoMo (`npm run bench:retrieval`, bench/README.md).
 */

/** How many of the fused results the reranker reads (top_k when larger): its cost is per result. */
export const RERANK_CANDIDATES = 40;

/**
 * How much the reranker's score weighs in a reranked result's score; the fused score weighs the
 * rest. The reranker alone reorders well at the top, but it has not seen what the keyword
 * retriever knows about rare words, and the blend beat it alone under cross-validation.
 */
export const RERANK_WEIGHT = 0.8;

/**
 * Query and memory together are cut to this many tokens: more than the longest LoCoMo
 * observation or load-benchmark note needs; a longer memory is judged on its beginning.
 */
export const RERANK_MAX_TOKENS = 256;

/**
 * A query is cut to this many tokens before it is paired with each memory, so that a long one
 * leaves each memory at least RERANK_MAX_TOKENS - 64 - 3 tokens: cut together, a pair loses its
 * end, and a query of 256 tokens would leave no memory anything to be judged on. The model was
 * trained on search queries of a dozen words.
 */
export const RERANK_QUERY_MAX_TOKENS = 64;

/**
 * A memory's text is cut to this many characters before it is tokenized: far more than
 * RERANK_MAX_TOKENS tokens of any ordinary text, and it spares tokenizing a long memory whole
 * (content may run to 50,000 characters) only to keep its beginning.
 */
export const RERANK_PASSAGE_MAX_CHARS = 4096;

/** How many fused results a search with rerank reads: `candidates`, or top_k when more. */
export function rerankDepth(topK: number, candidates = RERANK_CANDIDATES): number {
  return Math.max(topK, candidates);
}

/**
 * The text the reranker reads for a memory: its title, when it has one, then its content, cut to
 * RERANK_PASSAGE_MAX_CHARS (never inside a character that takes two UTF-16 code units).
 */
export function passageOf(memory: { title: string; content: string }): string {
  const text = memory.title === "" ? memory.content : `${memory.title}\n${memory.content}`;
  if (text.length <= RERANK_PASSAGE_MAX_CHARS) return text;
  const end = isHighSurrogate(text.charCodeAt(RERANK_PASSAGE_MAX_CHARS - 1))
    ? RERANK_PASSAGE_MAX_CHARS - 1
    : RERANK_PASSAGE_MAX_CHARS;
  return text.slice(0, end);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * The candidates reordered by `weight` x rerank score + (1 - weight) x fused score, best first
 * (ties by id, as fusion breaks them). Only the candidates given are returned: rerank reorders,
 * it never adds.
 */
export function blend<T extends { id: string; score: number }>(
  candidates: T[],
  rerankScores: number[],
  weight = RERANK_WEIGHT,
): (T & { rerankScore: number })[] {
  return candidates
    .map((c, i) => {
      const rerankScore = rerankScores[i] ?? 0;
      return { ...c, rerankScore, score: weight * rerankScore + (1 - weight) * c.score };
    })
    .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}
