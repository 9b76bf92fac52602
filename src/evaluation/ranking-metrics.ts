/** The figures of one search's results against its expected items (binary relevance). */
export interface RankingFigures {
  expected: number;
  found: number;
  recall: number;
  /** 1-based rank of the first result that is an expected item; 0 when none is. */
  firstRank: number;
  reciprocalRank: number;
  ndcg: number;
}

/**
 * Scores a ranking given, for each result in order, which expected items it is (their indexes;
 * none: not relevant). An item counts once, at the first result that is it, so a key many
 * memories share is found once, and a result standing for two items gains for both. The ideal
 * ranking puts one item at each of the first min(expected, k) ranks.
 */
export function rankingFigures(itemsPerResult: number[][], expected: number, k: number): RankingFigures {
  const seen = new Set<number>();
  let firstRank = 0;
  let dcg = 0;
  itemsPerResult.slice(0, k).forEach((items, i) => {
    const fresh = items.filter((item) => !seen.has(item));
    if (fresh.length === 0) return;
    if (firstRank === 0) firstRank = i + 1;
    for (const item of fresh) seen.add(item);
    dcg += fresh.length / Math.log2(i + 2);
  });
  let ideal = 0;
  for (let i = 0; i < Math.min(expected, k); i++) ideal += 1 / Math.log2(i + 2);
  return {
    expected,
    found: seen.size,
    recall: expected === 0 ? 0 : seen.size / expected,
    firstRank,
    reciprocalRank: firstRank === 0 ? 0 : 1 / firstRank,
    ndcg: ideal === 0 ? 0 : Math.min(1, dcg / ideal),
  };
}

/** One search's figures with how it ran. */
export interface SearchFigures extends RankingFigures {
  latencyMs: number;
  reranked: boolean;
}

/** A configuration's totals: the per-search figures' means, and latency percentiles. */
export interface Totals {
  queries: number;
  recallAtK: number;
  hitRateAtK: number;
  mrr: number;
  ndcgAtK: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyP99Ms: number;
  reranked: number;
}

export function totals(searches: readonly SearchFigures[]): Totals {
  const mean = (pick: (s: SearchFigures) => number) =>
    searches.length === 0 ? 0 : searches.reduce((sum, s) => sum + pick(s), 0) / searches.length;
  const latencies = searches.map((s) => s.latencyMs).sort((a, b) => a - b);
  return {
    queries: searches.length,
    recallAtK: mean((s) => s.recall),
    hitRateAtK: mean((s) => (s.firstRank > 0 ? 1 : 0)),
    mrr: mean((s) => s.reciprocalRank),
    ndcgAtK: mean((s) => s.ndcg),
    latencyP50Ms: percentile(latencies, 0.5),
    latencyP95Ms: percentile(latencies, 0.95),
    latencyP99Ms: percentile(latencies, 0.99),
    reranked: searches.filter((s) => s.reranked).length,
  };
}

/** The nearest-rank percentile of sorted samples (0 for none). */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
}
