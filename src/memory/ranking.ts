import type { Candidate } from "./retrieval.repository.js";

/** The usual constant of reciprocal rank fusion: damps the weight of the very top ranks. */
export const RRF_K = 60;

export interface Ranked {
  id: string;
  score: number;
  semanticScore: number;
  keywordScore: number;
}

/**
 * Reciprocal rank fusion: each list contributes 1 / (RRF_K + rank) for every memory it
 * ranks, so a memory both retrievers like rises above one only a single retriever likes,
 * without having to compare cosine similarities with text-search ranks.
 */
export function fuse(semantic: Candidate[], keyword: Candidate[]): Ranked[] {
  const byId = new Map<string, Ranked>();
  const entry = (id: string) => {
    let ranked = byId.get(id);
    if (ranked === undefined) {
      ranked = { id, score: 0, semanticScore: 0, keywordScore: 0 };
      byId.set(id, ranked);
    }
    return ranked;
  };
  semantic.forEach((c, i) => {
    const r = entry(c.id);
    r.score += 1 / (RRF_K + i + 1);
    r.semanticScore = c.score;
  });
  keyword.forEach((c, i) => {
    const r = entry(c.id);
    r.score += 1 / (RRF_K + i + 1);
    r.keywordScore = c.score;
  });
  return [...byId.values()].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}
