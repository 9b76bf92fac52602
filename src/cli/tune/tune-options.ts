import { Option } from "commander";
import { z } from "zod";
import { argParser, wholeNumber } from "../../option-parsers.js";
import type { Grid } from "./settings-grid.js";
import { METRICS, type Metric } from "./tune-run.js";

/** A comma-separated list of numbers from `min` to `max` (decimals, or whole numbers only). */
function numberList(min: number, max: number, whole: boolean) {
  const message = `expected comma-separated ${whole ? "whole numbers" : "numbers"} from ${min} to ${max}`;
  return argParser(
    z
      .string()
      .transform((value) => value.split(",").map((entry) => entry.trim()))
      .pipe(z.array(z.string().regex(whole ? /^\d+$/ : /^\d+(\.\d+)?$/, message)).min(1, message))
      .transform((entries) => [...new Set(entries.map(Number))])
      .pipe(z.array(z.number().min(min, message).max(max, message))),
  );
}

/** What tune tries unless told: semantic weights either side of the default, two pools, the reranker's around its defaults. */
export const DEFAULT_GRID: Grid = {
  weights: [0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
  pools: [50, 100],
  rerank: false,
  rerankCandidates: [20, 40],
  rerankWeights: [0.6, 0.8, 1],
};

const listed = (values: number[]) => values.join(",");

export interface TuneOptions extends Grid {
  k: number;
  metric: Metric;
  folds: number;
  apply?: boolean;
  json?: boolean;
}

/** tune's own options: what it maximises, how it folds, and the grid it tries (ranges as SearchSettings'). */
export const TUNE_OPTIONS: Option[] = [
  new Option("--k <n>", "results read per search (1-100)").default(10).argParser(argParser(wholeNumber(1, 100))),
  new Option("--metric <metric>", "the per-query figure to maximise").choices(Object.keys(METRICS)).default("ndcg"),
  new Option("--folds <n>", "cross-validation folds (2-20)").default(5).argParser(argParser(wholeNumber(2, 20))),
  new Option("--weights <list>", "semantic weights to try, 0-1")
    .default(DEFAULT_GRID.weights, listed(DEFAULT_GRID.weights))
    .argParser(numberList(0, 1, false)),
  new Option("--pools <list>", "candidate pools to try, 10-300")
    .default(DEFAULT_GRID.pools, listed(DEFAULT_GRID.pools))
    .argParser(numberList(10, 300, true)),
  new Option("--rerank", "also try reranking by default (the server's reranker; each reranked search costs more)"),
  new Option("--rerank-candidates <list>", "with --rerank: rerank candidates to try, 10-100")
    .default(DEFAULT_GRID.rerankCandidates, listed(DEFAULT_GRID.rerankCandidates))
    .argParser(numberList(10, 100, true)),
  new Option("--rerank-weights <list>", "with --rerank: rerank weights to try, 0-1")
    .default(DEFAULT_GRID.rerankWeights, listed(DEFAULT_GRID.rerankWeights))
    .argParser(numberList(0, 1, false)),
  new Option("--apply", "make the choice the workspace's search settings (an admin key)"),
  new Option("--json", "print the outcome as JSON"),
];
