import type { MemoryFilter } from "../../../gen/ts/engram/v1/memory_pb.js";
import { GraphExpansion, SearchMode } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { toFilterQuery } from "../filter-query.js";
import type { RetrievalMode, SearchQuery } from "./search-query.js";

/** SearchMemories' top_k when not given (its proto says so). */
export const DEFAULT_TOP_K = 10;

/** The fields of a SearchMemoriesRequest, which an evaluation's searches also give. */
export interface SearchRequestFields {
  query: string;
  filter?: MemoryFilter | undefined;
  topK: number;
  mode: SearchMode;
  minScore: number;
  rerank: boolean;
  graphExpansion: GraphExpansion;
}

/** A search request as MemorySearch takes it: defaults applied, the mode and graph expansion named. */
export function toSearchQuery(req: SearchRequestFields, signal?: AbortSignal): SearchQuery {
  return {
    text: req.query,
    filter: toFilterQuery(req.filter),
    topK: req.topK === 0 ? DEFAULT_TOP_K : req.topK,
    mode: retrievalMode(req.mode),
    minScore: req.minScore,
    rerank: req.rerank,
    graph: req.graphExpansion === GraphExpansion.NEIGHBOURS,
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
