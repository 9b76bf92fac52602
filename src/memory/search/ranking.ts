import type { Candidate } from "./retrieval.repository.js";

/**
 * How much the semantic part weighs in a HYBRID score; the keyword part weighs the rest.
 * Chosen by cross-validation on LoCoMo (`npm run bench:retrieval`, bench/README.md).
 */
export const SEMANTIC_WEIGHT = 0.6;

export interface Ranked {
  id: string;
  /** SEMANTIC_WEIGHT x semanticScore + (1 - SEMANTIC_WEIGHT) x keywordScore, in 0..1. */
  score: number;
  /** Cosine similarity of the query and memory vectors, 0 when negative or not retrieved. */
  semanticScore: number;
  /** The IDF-weighted share of the query's words the memory holds (BM25, see bm25.ts), 0..1. */
  keywordScore: number;
}

/**
 * Fuses the two retrievers' lists by a weighted sum of their scores. Both scores are on the
 * same 0..1 scale, so the fused score means the same in every query and one `min_score` works
 * in every mode; rank fusion (RRF) did no better on LoCoMo and has no such meaning.
 * A memory only one retriever found gets 0 for the other part.
 */
export function fuse(semantic: Candidate[], keyword: Candidate[], semanticWeight = SEMANTIC_WEIGHT): Ranked[] {
  const byId = new Map<string, Ranked>();
  const entry = (id: string) => {
    let ranked = byId.get(id);
    if (ranked === undefined) {
      ranked = { id, score: 0, semanticScore: 0, keywordScore: 0 };
      byId.set(id, ranked);
    }
    return ranked;
  };
  for (const c of semantic) entry(c.id).semanticScore = c.score;
  for (const c of keyword) entry(c.id).keywordScore = c.score;
  for (const r of byId.values()) r.score = semanticWeight * r.semanticScore + (1 - semanticWeight) * r.keywordScore;
  return [...byId.values()].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}
