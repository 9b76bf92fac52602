/**
 * How much the semantic part weighs in a HYBRID score; the keyword part weighs the rest.
 * Chosen by cross-validation on LoCoMo (`npm run bench:retrieval`, bench/README.md).
 */
export const SEMANTIC_WEIGHT = 0.6;

/**
 * What a HYBRID score gains when the query names the memory (its subject, a linked entity or
 * its title, see entity-names.ts); cross-validated on LoCoMo with the semantic weight.
 */
export const ENTITY_WEIGHT = 0.02;

export interface FusionWeights {
  semantic: number;
  entity: number;
}

export const FUSION_WEIGHTS: FusionWeights = { semantic: SEMANTIC_WEIGHT, entity: ENTITY_WEIGHT };

/** A retriever's candidate as fusion reads it; `names` as in Candidate (none: never named). */
export interface Retrieved {
  id: string;
  score: number;
  names?: readonly string[];
}

export interface Ranked {
  id: string;
  /**
   * SEMANTIC_WEIGHT x semanticScore + (1 - SEMANTIC_WEIGHT) x keywordScore, plus ENTITY_WEIGHT
   * when the query names the memory, at most 1.
   */
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
 * A memory only one retriever found gets 0 for the other part. `named` says whether the query
 * names a memory by one of its names (QueryNames.names).
 */
export function fuse(
  semantic: Retrieved[],
  keyword: Retrieved[],
  weights: FusionWeights = FUSION_WEIGHTS,
  named: (names: readonly string[]) => boolean = () => false,
): Ranked[] {
  const byId = new Map<string, Ranked & { named: boolean }>();
  const entry = (c: Retrieved) => {
    let ranked = byId.get(c.id);
    if (ranked === undefined) {
      ranked = { id: c.id, score: 0, semanticScore: 0, keywordScore: 0, named: named(c.names ?? []) };
      byId.set(c.id, ranked);
    }
    return ranked;
  };
  for (const c of semantic) entry(c).semanticScore = c.score;
  for (const c of keyword) entry(c).keywordScore = c.score;
  const ranked = [...byId.values()].map(({ named: isNamed, ...r }) => {
    const fused = weights.semantic * r.semanticScore + (1 - weights.semantic) * r.keywordScore;
    return { ...r, score: Math.min(1, fused + (isNamed ? weights.entity : 0)) };
  });
  return ranked.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}
