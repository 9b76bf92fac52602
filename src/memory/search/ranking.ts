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

/**
 * What a HYBRID score gains, with graph expansion, when the memory mentions an entity the query
 * names, and when it mentions one of that entity's neighbours: the largest weights that LoCoMo,
 * cross-validated, cannot tell from none (decision 0026). They break near-ties.
 */
export const GRAPH_WEIGHTS = { named: 0.01, neighbour: 0.005 } as const;

/** A retriever's candidate as fusion reads it. */
export interface Retrieved {
  id: string;
  score: number;
}

export interface Ranked {
  id: string;
  /**
   * SEMANTIC_WEIGHT x semanticScore + (1 - SEMANTIC_WEIGHT) x keywordScore, plus ENTITY_WEIGHT
   * when the query names the memory (withEntityBonus), at most 1.
   */
  score: number;
  /** Cosine similarity of the query and memory vectors, 0 when negative or not scored. */
  semanticScore: number;
  /** The IDF-weighted share of the query's words the memory holds (BM25, see bm25.ts), 0..1. */
  keywordScore: number;
}

/**
 * Fuses the two retrievers' lists by a weighted sum of their scores. Both scores are on the
 * same 0..1 scale, so the fused score means the same in every query and one `min_score` works
 * in every mode; rank fusion (RRF) did no better on LoCoMo and has no such meaning.
 * A memory missing from one list gets 0 for that part; in a search, HYBRID's retrievers score
 * each other's candidates first (MemorySearch.hybrid).
 */
export function fuse(semantic: Retrieved[], keyword: Retrieved[], semanticWeight = SEMANTIC_WEIGHT): Ranked[] {
  const byId = new Map<string, Ranked>();
  const entry = (c: Retrieved) => {
    let ranked = byId.get(c.id);
    if (ranked === undefined) {
      ranked = { id: c.id, score: 0, semanticScore: 0, keywordScore: 0 };
      byId.set(c.id, ranked);
    }
    return ranked;
  };
  for (const c of semantic) entry(c).semanticScore = c.score;
  for (const c of keyword) entry(c).keywordScore = c.score;
  const ranked = [...byId.values()].map((r) => ({
    ...r,
    score: semanticWeight * r.semanticScore + (1 - semanticWeight) * r.keywordScore,
  }));
  return ranked.sort(byScore);
}

/**
 * The fused results whose place among the first `depth` the entity bonus could change: the
 * bonus lifts a result by `weight` at most, so one scoring below the depth-th by more than that
 * stays out of the first `depth`, and only these need their names read.
 */
export function mayBeRaised(ranked: Ranked[], depth: number, weight = ENTITY_WEIGHT): Ranked[] {
  const last = ranked[Math.min(depth, ranked.length) - 1];
  if (last === undefined || weight === 0) return [];
  // The margin keeps a result that floating-point rounding of the sums would put just outside.
  return ranked.filter((r) => r.score >= last.score - weight - 1e-9);
}

/** The results with `weight` added to those the query names (at most 1), in their new order. */
export function withEntityBonus(ranked: Ranked[], named: ReadonlySet<string>, weight = ENTITY_WEIGHT): Ranked[] {
  if (named.size === 0) return ranked;
  return ranked.map((r) => (named.has(r.id) ? { ...r, score: Math.min(1, r.score + weight) } : r)).sort(byScore);
}

/**
 * The results with the graph's weight added to those the query's entities reach (at most 1), in
 * their new order: `linkOf` says how each is reached (1 named, 2 a neighbour, 0 neither).
 */
export function withGraphBonus(
  ranked: Ranked[],
  linkOf: (id: string) => number,
  weights: { named: number; neighbour: number } = GRAPH_WEIGHTS,
): Ranked[] {
  const gain = (id: string) => [0, weights.named, weights.neighbour][linkOf(id)] ?? 0;
  return ranked.map((r) => ({ ...r, score: Math.min(1, r.score + gain(r.id)) })).sort(byScore);
}

/** Best first, ties by id: the same order whatever order the retrievers gave. */
export function byScore(a: { id: string; score: number }, b: { id: string; score: number }): number {
  return b.score - a.score || a.id.localeCompare(b.id);
}
