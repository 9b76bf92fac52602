import type { MemoryFilter } from "../../../gen/ts/engram/v1/memory_pb.js";
import { GraphExpansion, SearchMode } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { RERANK_CANDIDATES, RERANK_WEIGHT } from "../../rerank/rerank.js";
import { toFilterQuery } from "../filter-query.js";
import { SEMANTIC_WEIGHT } from "./ranking.js";
import { CANDIDATE_POOL } from "./search.js";
import type { RetrievalMode, SearchQuery, SearchTuning } from "./search-query.js";

/** SearchMemories' top_k when not given (its proto says so). */
export const DEFAULT_TOP_K = 10;

/** A workspace's search settings in force: how its searches rank, and whether they rerank unasked. */
export interface WorkspaceSearchSettings extends SearchTuning {
  rerankByDefault: boolean;
}

/** The server's defaults, which a workspace's settings replace field by field. */
export const DEFAULT_SEARCH_SETTINGS: Readonly<WorkspaceSearchSettings> = Object.freeze({
  semanticWeight: SEMANTIC_WEIGHT,
  candidatePool: CANDIDATE_POOL,
  rerankCandidates: RERANK_CANDIDATES,
  rerankWeight: RERANK_WEIGHT,
  rerankByDefault: false,
});

/** The settings a workspace's searches use now (src/search-settings/ keeps them). */
export type SearchSettingsSource = (workspaceId: string) => Promise<WorkspaceSearchSettings>;

/** The fields of a SearchMemoriesRequest, which an evaluation's searches also give. */
export interface SearchRequestFields {
  query: string;
  filter?: MemoryFilter | undefined;
  topK: number;
  mode: SearchMode;
  minScore: number;
  /** Not given: the workspace's rerankByDefault. */
  rerank?: boolean | undefined;
  graphExpansion: GraphExpansion;
}

/**
 * A search request as MemorySearch takes it: defaults applied, the mode and graph expansion
 * named, and the workspace's settings where the request says nothing.
 */
export function toSearchQuery(
  req: SearchRequestFields,
  settings: WorkspaceSearchSettings,
  signal?: AbortSignal,
): SearchQuery {
  const { rerankByDefault, ...tuning } = settings;
  return {
    text: req.query,
    filter: toFilterQuery(req.filter),
    topK: req.topK === 0 ? DEFAULT_TOP_K : req.topK,
    mode: retrievalMode(req.mode),
    minScore: req.minScore,
    rerank: req.rerank ?? rerankByDefault,
    graph: req.graphExpansion === GraphExpansion.NEIGHBOURS,
    tuning,
    signal,
  };
}

function retrievalMode(mode: SearchMode): RetrievalMode {
  return mode === SearchMode.SEMANTIC ? "semantic" : mode === SearchMode.KEYWORD ? "keyword" : "hybrid";
}

/** Each retrieval mode as the API names it. */
export const SEARCH_MODES: Record<RetrievalMode, SearchMode> = {
  hybrid: SearchMode.HYBRID,
  semantic: SearchMode.SEMANTIC,
  keyword: SearchMode.KEYWORD,
};
