/**
 * What `engram tune` would choose for LoCoMo: its candidates run through EvaluateSearch on every
 * conversation's questions (each conversation a workspace, the questions pooled in their order),
 * then cross-validated as the CLI does, with the same code (src/cli/tune/).
 */
import { create } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { LabeledQuerySchema, type SearchService } from "../gen/ts/engram/v1/search_service_pb.js";
import { DEFAULT_SEARCH_SETTINGS } from "../src/memory/search/search-request.js";
import { evaluator } from "../src/cli/tune/evaluator.js";
import { candidatesOf, type Grid } from "../src/cli/tune/settings-grid.js";
import { DEFAULT_GRID } from "../src/cli/tune/tune-options.js";
import { tuneText } from "../src/cli/tune/tune-report.js";
import { tune, type EvaluateConfigurations } from "../src/cli/tune/tune-run.js";
import type { Question } from "./locomo.js";

export interface TunedWorkspace {
  search: Client<typeof SearchService>;
  questions: Question[];
}

/** The smoke run's grid: three weights around the default, one pool. */
const SMOKE_GRID: Grid = { ...DEFAULT_GRID, weights: [0.5, 0.6, 0.7], pools: [50] };

/** Tune's report for the benchmark's questions (those with evidence), k 10, nDCG, 5 folds. */
export async function tuneReport(
  workspaces: TunedWorkspace[],
  options: { smoke: boolean; rerank: boolean },
): Promise<string> {
  const grid = { ...(options.smoke ? SMOKE_GRID : DEFAULT_GRID), rerank: options.rerank };
  const candidates = candidatesOf(DEFAULT_SEARCH_SETTINGS, grid);
  const result = await tune(pooled(workspaces), candidates, "ndcg", 5);
  return `engram tune (the CLI's candidates and cross-validation, on every question):\n${tuneText(result, 10)}`;
}

/** Every workspace's results, one after another, for each configuration. */
function pooled(workspaces: TunedWorkspace[]): EvaluateConfigurations {
  return async (configurations) => {
    const results = configurations.map(() => [] as Awaited<ReturnType<EvaluateConfigurations>>[number]);
    for (const { search, questions } of workspaces) {
      const queries = questions
        .filter((q) => q.evidence.length > 0)
        .map((q) =>
          create(LabeledQuerySchema, {
            query: q.question,
            expectedMetadata: q.evidence.map((turn) => ({ dia_ids: [turn] })),
          }),
        );
      const own = await evaluator(search, {}, queries, 10, () => {})(configurations);
      own.forEach((rs, c) => results[c]?.push(...rs));
    }
    return results;
  };
}
