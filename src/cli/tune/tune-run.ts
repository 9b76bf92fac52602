import type { QueryEvaluation, SearchConfiguration } from "../../../gen/ts/engram/v1/search_service_pb.js";
import { crossValidate, type CrossValidation } from "./cross-validation.js";
import { configurationOf, type Candidate } from "./settings-grid.js";

/** The per-query figure tune maximises. */
export const METRICS = {
  ndcg: (r: QueryEvaluation) => r.ndcg,
  mrr: (r: QueryEvaluation) => r.reciprocalRank,
  recall: (r: QueryEvaluation) => r.recall,
  hit: (r: QueryEvaluation) => (r.found > 0 ? 1 : 0),
} as const;

export type Metric = keyof typeof METRICS;

/** Each configuration's result for every query, in the queries' order: EvaluateSearch, however it is called. */
export type EvaluateConfigurations = (configurations: SearchConfiguration[]) => Promise<QueryEvaluation[][]>;

/** The most configurations EvaluateSearch compares a call (its proto says so). */
const CONFIGURATIONS_PER_CALL = 6;

export interface TuneResult {
  candidates: Candidate[];
  metric: Metric;
  queries: number;
  cv: CrossValidation;
  /** Searches of a reranking candidate that the server could not rerank (its reranker was unavailable). */
  notReranked: number;
}

/** Runs every candidate on every query (six a call), then cross-validates the choice among them. */
export async function tune(
  evaluate: EvaluateConfigurations,
  candidates: Candidate[],
  metric: Metric,
  folds: number,
): Promise<TuneResult> {
  const figures: number[][] = [];
  let notReranked = 0;
  for (let first = 0; first < candidates.length; first += CONFIGURATIONS_PER_CALL) {
    const chunk = candidates.slice(first, first + CONFIGURATIONS_PER_CALL);
    const results = await evaluate(chunk.map(configurationOf));
    results.forEach((rs, i) => {
      if (chunk[i]?.rerank === true) notReranked += rs.filter((r) => !r.reranked).length;
      figures.push(rs.map(METRICS[metric]));
    });
  }
  const queries = figures[0]?.length ?? 0;
  return { candidates, metric, queries, cv: crossValidate(figures, folds), notReranked };
}
