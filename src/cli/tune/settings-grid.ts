import { create } from "@bufbuild/protobuf";
import { SearchMode } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import {
  SearchConfigurationSchema,
  type SearchConfiguration,
  type SearchSettings,
} from "../../../gen/ts/engram/v1/search_service_pb.js";

/** The numbers a candidate searches with, every one given. */
export interface Tuning {
  semanticWeight: number;
  candidatePool: number;
  rerankCandidates: number;
  rerankWeight: number;
}

/** A HYBRID setting tune compares: its numbers, and whether it reranks. */
export interface Candidate {
  tuning: Tuning;
  rerank: boolean;
}

/** What tune tries: fusion's weights and pools; with rerank, the reranker's candidates and weights too. */
export interface Grid {
  weights: number[];
  pools: number[];
  rerank: boolean;
  rerankCandidates: number[];
  rerankWeights: number[];
}

/**
 * Candidate 0 is the workspace's current settings, as its searches run; then each fusion
 * setting without rerank; with rerank, each of the reranker's settings over the current fusion
 * (so that the candidates do not depend on the queries, as cross-validation needs). Repeats of
 * an earlier candidate are left out.
 */
export function candidatesOf(
  effective: Required<Omit<SearchSettings, "$typeName" | "$unknown">>,
  grid: Grid,
): Candidate[] {
  const { rerankByDefault, ...tuning } = effective;
  const candidates: Candidate[] = [{ tuning, rerank: rerankByDefault }];
  for (const semanticWeight of grid.weights) {
    for (const candidatePool of grid.pools) {
      candidates.push({ tuning: { ...tuning, semanticWeight, candidatePool }, rerank: false });
    }
  }
  if (grid.rerank) {
    for (const rerankCandidates of grid.rerankCandidates) {
      for (const rerankWeight of grid.rerankWeights) {
        candidates.push({ tuning: { ...tuning, rerankCandidates, rerankWeight }, rerank: true });
      }
    }
  }
  const seen = new Set<string>();
  return candidates.filter((c) => {
    const key = JSON.stringify(c);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The candidate as an EvaluateSearch configuration: HYBRID with its settings in place of the workspace's. */
export function configurationOf(c: Candidate): SearchConfiguration {
  return create(SearchConfigurationSchema, { mode: SearchMode.HYBRID, rerank: c.rerank, settings: c.tuning });
}

/** How a candidate reads in tune's report: "weight 0.6, pool 50" or "... + rerank 40 x 0.8". */
export function candidateName({ tuning, rerank }: Candidate): string {
  const fusion = `weight ${tuning.semanticWeight}, pool ${tuning.candidatePool}`;
  return rerank ? `${fusion} + rerank ${tuning.rerankCandidates} x ${tuning.rerankWeight}` : fusion;
}
