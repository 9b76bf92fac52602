import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { EntityManager } from "@mikro-orm/sql";
import {
  BatchWriteMemoriesResponseSchema,
  DeleteMemoryResponseSchema,
  GetMemoryResponseSchema,
  ListMemoriesResponseSchema,
  SearchMemoriesResponseSchema,
  SearchMode,
  UndeleteMemoryResponseSchema,
  UpdateMemoryResponseSchema,
  UnsupersedeMemoryResponseSchema,
  WriteOutcome,
  type ListMemoryRevisionsRequest,
  type UnsupersedeMemoryRequest,
  type BatchWriteMemoriesRequest,
  type DeleteMemoryRequest,
  type ExportMemoriesRequest,
  type ExportMemoriesResponse,
  type GetMemoryRequest,
  type GetMemoryStatsRequest,
  type ImportMemoriesRequest,
  type ListMemoriesRequest,
  type MemoryService,
  type SearchMemoriesRequest,
  type SearchMemoriesResponse,
  type UndeleteMemoryRequest,
  type UpdateMemoryRequest,
  type WriteMemoryRequest,
  type WatchMemoriesRequest,
  type WatchMemoriesResponse,
  type WriteMemoryResponse,
} from "../../gen/ts/engram/v1/memory_service_pb.js";
import { actingViewer, principalOf, type Viewer } from "../auth/principal.js";
import type { Embeddings } from "../embedding/embeddings.js";
import type { ChangeFeed } from "../feed/change-feed.js";
import { encodeCursor } from "../feed/cursor.js";
import { memoryNotFound } from "../errors/domain-error.js";
import { toExportQuery, toFilterQuery } from "./filter-query.js";
import { toProto, truncatedDate } from "./mapper.js";
import { MemoryHistory } from "../history/memory-history.js";
import { MemorySearch, type RerankEvent, type RetrievalMode } from "./search/search.js";
import type { Reranker } from "../rerank/reranker.js";
import { RERANK_HEADER, SEARCH_MODE_HEADER } from "./response-headers.js";
import { MemoryTransfer } from "./transfer/transfer.js";
import { MemoryEdits } from "./write/edits.js";
import type { MemoryWrites } from "./write/writes.js";
import type { ListQuery, OrderField } from "./filters.js";
import type { MemoryRepository } from "./memory.repository.js";
import type { MemoryStatsRepository } from "./stats/stats.repository.js";
import type { MemoryRecord } from "./record.js";
import { statsReport } from "./stats/stats-report.js";
import { memoryRepositories, type MemoryRepositories } from "./repositories.js";
import { orderValue, tokenScope, type PageTokens } from "./page-token.js";
import { successorNamesOf, type SuccessorNames } from "./successors.js";

const DEFAULT_PAGE_SIZE = 50;
const DEFAULT_TOP_K = 10;

export interface MemoryServiceDeps {
  em: EntityManager;
  embeddings: Embeddings;
  /** Signs and checks ListMemories page tokens with the cluster's secret. */
  pageTokens: PageTokens;
  /** The write pipeline (write/build.ts), which staged writes share. */
  writes: MemoryWrites;
  /** WatchMemories, and the change-log position ListMemories hands to watchers. */
  feed: ChangeFeed;
  /** Called after a write left a memory PENDING, so the embedding worker looks at once. */
  onPending?: () => void;
  /** Called with the number of memories each committed write changed (for table statistics). */
  onWritten?: (count: number) => void;
  /** Reorders searches that ask for rerank; none: they keep the fused order. */
  reranker?: Reranker | null;
  /** Told how each search that asked for rerank went. */
  onRerank?: (event: RerankEvent) => void;
  /** Repositories to use instead of the standard ones (tests observe or steer queries with these). */
  repositories?: Partial<MemoryRepositories>;
  now?: () => Date;
}

const MODES: Record<RetrievalMode, SearchMode> = {
  hybrid: SearchMode.HYBRID,
  semantic: SearchMode.SEMANTIC,
  keyword: SearchMode.KEYWORD,
};

/**
 * engram.v1.MemoryService: the one implementation behind gRPC, Connect, REST and MCP. It only
 * adapts protos: each call's scope is checked before it runs (engram.v1.required_scope), the
 * write pipeline is MemoryWrites and retrieval is MemorySearch.
 */
export class MemoryServiceImpl implements ServiceImpl<typeof MemoryService> {
  private readonly em: EntityManager;
  private readonly pageTokens: PageTokens;
  private readonly memories: (em: EntityManager) => MemoryRepository;
  private readonly stats: (em: EntityManager) => MemoryStatsRepository;
  private readonly embeddings: Embeddings;
  private readonly now: () => Date;
  private readonly writes: MemoryWrites;
  private readonly edits: MemoryEdits;
  private readonly search: MemorySearch;
  private readonly reranker: Reranker | null;
  private readonly transfer: MemoryTransfer;
  private readonly history: MemoryHistory;
  private readonly feed: ChangeFeed;
  private readonly successors: SuccessorNames;

  constructor(deps: MemoryServiceDeps) {
    this.em = deps.em;
    this.feed = deps.feed;
    this.pageTokens = deps.pageTokens;
    const repositories = { ...memoryRepositories, ...deps.repositories };
    const successors = (this.successors = successorNamesOf(deps.em, repositories.memories));
    this.memories = repositories.memories;
    this.stats = repositories.stats;
    this.embeddings = deps.embeddings;
    this.now = deps.now ?? (() => new Date());
    const common = { ...repositories, em: deps.em, embeddings: deps.embeddings, now: this.now };
    this.writes = deps.writes;
    this.edits = new MemoryEdits({
      em: deps.em,
      memories: repositories.memories,
      supersessions: repositories.supersessions,
      vectors: deps.writes.vectors,
      onPending: deps.onPending ?? (() => {}),
      onWritten: deps.onWritten ?? (() => {}),
    });
    this.reranker = deps.reranker ?? null;
    this.search = new MemorySearch({
      ...common,
      reranker: this.reranker,
      onRerank: deps.onRerank ?? (() => {}),
      successors,
    });
    this.history = new MemoryHistory({
      em: deps.em,
      revisions: repositories.revisions,
      pageTokens: deps.pageTokens,
      successors,
    });
    this.transfer = new MemoryTransfer({
      em: deps.em,
      revisions: repositories.revisions,
      successors,
      now: this.now,
      vectorSizeOf: (model) => (model === deps.embeddings.model ? deps.embeddings.dimensions : null),
      onPending: deps.onPending,
      onWritten: deps.onWritten,
    });
  }

  async writeMemory(req: WriteMemoryRequest, ctx: HandlerContext): Promise<WriteMemoryResponse> {
    return this.writes.write(principalOf(ctx), req);
  }

  async batchWriteMemories(req: BatchWriteMemoriesRequest, ctx: HandlerContext) {
    const results = await this.writes.writeBatch(principalOf(ctx), req.requests, { atomic: req.atomic });
    return create(BatchWriteMemoriesResponseSchema, { results });
  }

  async getMemory(req: GetMemoryRequest, ctx: HandlerContext) {
    const viewer = actingViewer(ctx, req.agentId);
    if (req.asOf !== undefined) {
      const asOf = truncatedDate(req.asOf);
      return create(GetMemoryResponseSchema, { memory: toProto(await this.history.at(viewer, req.id, asOf), asOf) });
    }
    const record = await this.memories(this.em.fork()).findVisible(viewer, req.id);
    if (record === null) throw memoryNotFound(req.id);
    return create(GetMemoryResponseSchema, { memory: await this.shown(viewer, record, this.now()) });
  }

  async listMemories(req: ListMemoriesRequest, ctx: HandlerContext) {
    const viewer = actingViewer(ctx, req.filter?.agentId ?? "");
    const order = parseOrderBy(req.orderBy);
    const pageSize = req.pageSize === 0 ? DEFAULT_PAGE_SIZE : req.pageSize;
    const q: Omit<ListQuery, "after" | "limit"> = { ...toFilterQuery(req.filter), order };
    const asOf = req.asOf === undefined ? null : truncatedDate(req.asOf);
    const tokenQuery = asOf === null ? [tokenScope(viewer), q] : [tokenScope(viewer), q, asOf];
    const after = req.pageToken === "" ? undefined : this.pageTokens.decode(req.pageToken, tokenQuery, order.field);
    const now = asOf ?? this.now();
    // Read before the page, so that a watcher from here misses nothing the page might not show.
    const watchCursor =
      req.pageToken === "" && asOf === null ? encodeCursor(await this.feed.head(viewer.workspaceId)) : "";
    const page1 = { ...q, after, limit: pageSize + 1 };
    const rows =
      asOf === null
        ? await this.successors.records(viewer, await this.memories(this.em.fork()).list(viewer, page1, now))
        : await this.history.list(viewer, page1, asOf);
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    const nextPageToken =
      rows.length > pageSize && last
        ? this.pageTokens.encode(tokenQuery, { value: orderValue(order.field, last), id: last.id })
        : "";
    return create(ListMemoriesResponseSchema, {
      memories: page.map((r) => toProto(r, now)),
      nextPageToken,
      watchCursor,
    });
  }

  async listMemoryRevisions(req: ListMemoryRevisionsRequest, ctx: HandlerContext) {
    return this.history.revisions(actingViewer(ctx, req.agentId), req);
  }

  async unsupersedeMemory(req: UnsupersedeMemoryRequest, ctx: HandlerContext) {
    const now = this.now();
    const viewer = actingViewer(ctx, req.agentId);
    const record = await this.edits.unsupersede(viewer, req.id, now);
    return create(UnsupersedeMemoryResponseSchema, { memory: await this.shown(viewer, record, now) });
  }

  async updateMemory(req: UpdateMemoryRequest, ctx: HandlerContext) {
    const viewer = actingViewer(ctx, req.agentId);
    const now = this.now();
    const { record, outcome } = await this.edits.update(viewer, req, now);
    return create(UpdateMemoryResponseSchema, {
      memory: await this.shown(viewer, record, now),
      outcome: outcome === "updated" ? WriteOutcome.UPDATED : WriteOutcome.UNCHANGED,
    });
  }

  async deleteMemory(req: DeleteMemoryRequest, ctx: HandlerContext) {
    const viewer = actingViewer(ctx, req.agentId);
    const now = this.now();
    const record = await this.edits.delete(viewer, req, now);
    return create(DeleteMemoryResponseSchema, { memory: await this.shown(viewer, record, now) });
  }

  async undeleteMemory(req: UndeleteMemoryRequest, ctx: HandlerContext) {
    const viewer = actingViewer(ctx, req.agentId);
    const now = this.now();
    const record = await this.edits.undelete(viewer, req, now);
    return create(UndeleteMemoryResponseSchema, { memory: await this.shown(viewer, record, now) });
  }

  async *searchMemories(req: SearchMemoriesRequest, ctx: HandlerContext): AsyncGenerator<SearchMemoriesResponse> {
    const viewer = actingViewer(ctx, req.filter?.agentId ?? "");
    const { mode, rerank, hits } = await this.search.search(viewer, {
      text: req.query,
      filter: toFilterQuery(req.filter),
      topK: req.topK === 0 ? DEFAULT_TOP_K : req.topK,
      mode: req.mode === SearchMode.SEMANTIC ? "semantic" : req.mode === SearchMode.KEYWORD ? "keyword" : "hybrid",
      minScore: req.minScore,
      rerank: req.rerank,
      signal: ctx.signal,
    });
    // Before the first result, so that a search finding nothing also says how it searched.
    ctx.responseHeader.set(SEARCH_MODE_HEADER, mode);
    if (rerank !== null) ctx.responseHeader.set(RERANK_HEADER, rerank);
    for await (const { record, asOf, ...scores } of hits) {
      yield create(SearchMemoriesResponseSchema, { memory: toProto(record, asOf), ...scores, mode: MODES[mode] });
    }
  }

  async *watchMemories(req: WatchMemoriesRequest, ctx: HandlerContext): AsyncGenerator<WatchMemoriesResponse> {
    const viewer = actingViewer(ctx, req.filter?.agentId ?? "");
    const watch = { filter: toFilterQuery(req.filter), afterCursor: req.afterCursor };
    yield* this.feed.watch(viewer, principalOf(ctx).keyId, watch, ctx.signal);
  }

  /** The record as the viewer may see it (successors.ts), as a proto. */
  private async shown(viewer: Viewer, record: MemoryRecord, now: Date) {
    return toProto(await this.successors.record(viewer, record), now);
  }

  async getMemoryStats(_req: GetMemoryStatsRequest, ctx: HandlerContext) {
    return statsReport(
      this.stats(this.em.fork()),
      this.embeddings,
      this.reranker,
      principalOf(ctx).workspaceId,
      this.now(),
    );
  }

  async *exportMemories(req: ExportMemoriesRequest, ctx: HandlerContext): AsyncGenerator<ExportMemoriesResponse> {
    yield* this.transfer.export(actingViewer(ctx, ""), toExportQuery(req.filter));
  }

  async importMemories(req: ImportMemoriesRequest, ctx: HandlerContext) {
    return this.transfer.import(actingViewer(ctx, ""), req.memories);
  }
}

function parseOrderBy(orderBy: string): ListQuery["order"] {
  if (orderBy === "") return { field: "create_time", descending: true };
  const [field, direction] = orderBy.split(" ");
  return { field: field as OrderField, descending: direction === "desc" };
}
