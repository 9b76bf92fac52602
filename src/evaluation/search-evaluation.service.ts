import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { SearchMode } from "../../gen/ts/engram/v1/memory_service_pb.js";
import {
  EvaluateSearchResponseSchema,
  SearchConfigurationSchema,
  type EvaluateSearchRequest,
  type EvaluateSearchResponse,
  type ListSearchSettingsRevisionsRequest,
  type SearchService,
  type UpdateSearchSettingsRequest,
} from "../../gen/ts/engram/v1/search_service_pb.js";
import { actingViewer, principalOf, type Viewer } from "../auth/principal.js";
import { DomainError, invalidArgument } from "../errors/domain-error.js";
import type { MemorySearch } from "../memory/search/search.js";
import type { Reranker } from "../rerank/reranker.js";
import type { SearchQuery } from "../memory/search/search-query.js";
import { DEFAULT_TOP_K, SEARCH_MODES, toSearchQuery } from "../memory/search/search-request.js";
import { rankingFigures, totals, type SearchFigures } from "./ranking-metrics.js";
import { expectedItems, matches, type ExpectedItem } from "./relevance.js";
import type { SearchSettingsService } from "../search-settings/search-settings.service.js";
import { overlay } from "../search-settings/settings-in-force.js";

export interface SearchServiceDeps {
  search: MemorySearch;
  /** Loaded before an evaluation that reranks, which would otherwise find it still loading. */
  reranker: Reranker | null;
  /** The workspace's search settings, which a configuration's own override field by field. */
  settings: SearchSettingsService;
}

/** Compared when a request names no configuration: each mode, without and with rerank. */
const DEFAULT_CONFIGURATIONS = [SearchMode.KEYWORD, SearchMode.SEMANTIC, SearchMode.HYBRID].flatMap((mode) =>
  [false, true].map((rerank) => create(SearchConfigurationSchema, { mode, rerank })),
);

/** A labelled query ready to run: who searches, what it asks in each configuration, and what it expects. */
interface Prepared {
  viewer: Viewer;
  label: string;
  queries: SearchQuery[];
  items: ExpectedItem[];
}

/**
 * engram.v1.SearchService: search measured on the caller's labelled queries, and the
 * workspace's search settings (SearchSettingsService). Every search is MemorySearch's own, as
 * SearchMemories runs it for the same key, so the figures are what its callers get; an
 * evaluation writes nothing.
 */
export class SearchServiceImpl implements ServiceImpl<typeof SearchService> {
  constructor(private readonly deps: SearchServiceDeps) {}

  async *evaluateSearch(req: EvaluateSearchRequest, ctx: HandlerContext): AsyncGenerator<EvaluateSearchResponse> {
    const k = req.k === 0 ? DEFAULT_TOP_K : req.k;
    const configurations = req.configurations.length > 0 ? req.configurations : DEFAULT_CONFIGURATIONS;
    const inForce = await this.deps.settings.inForce(principalOf(ctx).workspaceId);
    const settings = configurations.map((c) => overlay(inForce, c.settings));
    // Every query is checked (its acting agent, its filter) before any runs.
    const prepared = req.queries.map((q, i) =>
      inQuery(i, () => ({
        viewer: actingViewer(ctx, q.filter?.agentId ?? ""),
        label: q.label,
        queries: configurations.map((c, n) =>
          toSearchQuery(
            { ...q, ...c, topK: k, minScore: 0, graphExpansion: c.graphExpansion },
            settings[n] ?? inForce,
            ctx.signal,
          ),
        ),
        items: expectedItems(q),
      })),
    );
    // A reranker loads on the first search asking for it: measured from its first query, not its
    // load. One that cannot load leaves those searches unreranked, as the figures then say.
    if (configurations.some((c) => c.rerank)) await this.deps.reranker?.ready().catch(() => undefined);
    const figures = configurations.map((): SearchFigures[] => []);
    for (const [c, configuration] of configurations.entries()) {
      for (const [queryIndex, query] of prepared.entries()) {
        const { searchedMode, ...searched } = await this.evaluate(query, c, k);
        figures[c]?.push(searched);
        const value = { queryIndex, label: query.label, configuration, searchedMode, ...searched };
        yield create(EvaluateSearchResponseSchema, { result: { case: "query", value } });
      }
    }
    const summary = {
      k,
      queries: prepared.length,
      configurations: configurations.map((configuration, c) => ({ configuration, ...totals(figures[c] ?? []) })),
    };
    yield create(EvaluateSearchResponseSchema, { result: { case: "summary", value: summary } });
  }

  getSearchSettings(_req: unknown, ctx: HandlerContext) {
    return this.deps.settings.get(ctx);
  }

  updateSearchSettings(req: UpdateSearchSettingsRequest, ctx: HandlerContext) {
    return this.deps.settings.update(req, ctx);
  }

  listSearchSettingsRevisions(req: ListSearchSettingsRevisionsRequest, ctx: HandlerContext) {
    return this.deps.settings.list(req, ctx);
  }

  /** One labelled query in one configuration: its results against its expected items, and its time. */
  private async evaluate(prepared: Prepared, configuration: number, k: number) {
    const started = performance.now();
    const q = prepared.queries[configuration] as SearchQuery;
    const { mode, rerank, hits } = await this.deps.search.search(prepared.viewer, q);
    const itemsPerResult: number[][] = [];
    for await (const { record } of hits) {
      itemsPerResult.push(prepared.items.flatMap((item, i) => (matches(item, record) ? [i] : [])));
    }
    const latencyMs = performance.now() - started;
    const figures = rankingFigures(itemsPerResult, prepared.items.length, k);
    return { ...figures, latencyMs, reranked: rerank === "applied", searchedMode: SEARCH_MODES[mode] };
  }
}

/** Runs a query's preparation, naming the query in a field its refusal points at. */
function inQuery<T>(index: number, prepare: () => T): T {
  try {
    return prepare();
  } catch (err) {
    const field = err instanceof DomainError ? err.fieldViolations[0]?.field : undefined;
    if (err instanceof DomainError && err.kind === "invalid_argument" && field !== undefined) {
      throw invalidArgument(`queries[${index}].${field}`, err.reason, err.fieldViolations[0]?.description ?? "");
    }
    throw err;
  }
}
