/**
 * The retrieval benchmark's questions through SearchService.EvaluateSearch, the API a user
 * measures their own data with: each question a labelled query whose expected items are its
 * evidence turns (`{"dia_ids": [turn]}`: the observations citing it). Its hit rate at k is the
 * benchmark's recall@k, so the API's per-question first ranks must equal what the benchmark's
 * own searches found (the check fails the run); it adds recall of the evidence turns, MRR and nDCG.
 */
import type { Client } from "@connectrpc/connect";
import type { SearchMode } from "../gen/ts/engram/v1/memory_service_pb.js";
import type { QueryEvaluation, SearchService } from "../gen/ts/engram/v1/search_service_pb.js";
import { totals, type Totals } from "../src/evaluation/ranking-metrics.js";
import type { Question } from "./locomo.js";
import { fixed, table } from "./report.js";

export interface EvaluatedWorkspace {
  search: Client<typeof SearchService>;
  questions: Question[];
}

export interface EvaluatedConfiguration {
  name: string;
  mode: SearchMode;
  rerank: boolean;
  /** Per question, in the workspaces' order: the API's first rank (0: none in the first k; null: no evidence to label). */
  firstRanks: (number | null)[];
  totals: Totals;
}

/** Every question of every workspace in each configuration, EvaluateSearch's at most 500 a call. */
export async function evaluateThroughApi(
  workspaces: EvaluatedWorkspace[],
  configurations: { name: string; mode: SearchMode; rerank: boolean }[],
  k: number,
): Promise<EvaluatedConfiguration[]> {
  const results = configurations.map((): QueryEvaluation[] => []);
  const firstRanks = configurations.map((): (number | null)[] => []);
  for (const { search, questions } of workspaces) {
    const labelled = questions.flatMap((q, i) => (q.evidence.length === 0 ? [] : [i]));
    const ranks = configurations.map(() => questions.map((): number | null => null));
    for (let first = 0; first < labelled.length; first += 500) {
      const chunk = labelled.slice(first, first + 500);
      const queries = chunk.map((i) => ({
        query: questions[i]!.question,
        expectedMetadata: questions[i]!.evidence.map((turn) => ({ dia_ids: [turn] })),
      }));
      const request = { k, configurations: configurations.map(({ mode, rerank }) => ({ mode, rerank })), queries };
      for await (const { result } of search.evaluateSearch(request)) {
        if (result.case !== "query") continue;
        const c = configurations.findIndex(
          (x) => x.mode === result.value.configuration?.mode && x.rerank === result.value.configuration?.rerank,
        );
        results[c]!.push(result.value);
        ranks[c]![chunk[result.value.queryIndex]!] = result.value.firstRank;
      }
    }
    ranks.forEach((r, c) => firstRanks[c]!.push(...r));
  }
  return configurations.map((c, i) => ({ ...c, firstRanks: firstRanks[i]!, totals: totals(results[i]!) }));
}

/** The API's figures as a table, one row per configuration. */
export function evaluationTable(evaluated: EvaluatedConfiguration[], k: number): string {
  const header = ["mode", "queries", `hit@${k}`, `turns@${k}`, "MRR", `nDCG@${k}`, "p50 ms", "p95 ms", "reranked"];
  const rows = evaluated.map((e) => [
    e.name,
    String(e.totals.queries),
    fixed(e.totals.hitRateAtK),
    fixed(e.totals.recallAtK),
    fixed(e.totals.mrr),
    fixed(e.totals.ndcgAtK),
    e.totals.latencyP50Ms.toFixed(1),
    e.totals.latencyP95Ms.toFixed(1),
    String(e.totals.reranked),
  ]);
  return table(header, rows);
}

/**
 * Whether the API found each labelled question's first evidence at the rank the benchmark's own
 * search of the same configuration did (firstHit: 1-based, Infinity for none in its results).
 * A reranked configuration is compared only when every search of it was reranked.
 */
export function agreesWithSearches(evaluated: EvaluatedConfiguration, firstHit: number[], k: number): boolean {
  if (evaluated.rerank && evaluated.totals.reranked < evaluated.totals.queries) return true;
  return evaluated.firstRanks.every((rank, i) => {
    if (rank === null) return true;
    const hit = firstHit[i] ?? Infinity;
    return rank === (hit <= k ? hit : 0);
  });
}
