import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { EntityManager } from "@mikro-orm/sql";
import {
  BatchWriteMemoriesResponseSchema,
  DeleteMemoryResponseSchema,
  GetMemoryResponseSchema,
  ListMemoryRevisionsResponseSchema,
  ListMemoriesResponseSchema,
  SearchMemoriesResponseSchema,
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
import type { MemoryHistory } from "../history/memory-history.js";
import { toRevisionProtos } from "../history/revision.mapper.js";
import { pageSizeOf } from "../paging.js";
import type { Reranker } from "../rerank/reranker.js";
import { parseOrderBy, toExportQuery, toFilterQuery } from "./filter-query.js";
import { toProto, truncatedDate } from "./mapper.js";
import type { MemorySearch } from "./search/search.js";
import { SEARCH_MODES, toSearchQuery, type SearchSettingsSource } from "./search/search-request.js";
import { RERANK_HEADER, SEARCH_MODE_HEADER } from "./response-headers.js";
import type { MemoryTransfer } from "./transfer/transfer.js";
import type { MemoryEdits } from "./write/edits.js";
import type { MemoryWrites } from "./write/writes.js";
import type { BoundedRows } from "./content-bounded-page.js";
import type { ListQuery } from "./filters.js";
import type { MemoryRepository } from "./memory.repository.js";
import type { MemoryStatsRepository } from "./stats/stats.repository.js";
import type { MemoryRecord } from "./record.js";
import { statsReport } from "./stats/stats-report.js";
import { orderValue, tokenScope, type PageTokens } from "./page-token.js";
import type { SuccessorNames } from "./successors.js";
import type { ErasureHandlers as Erase } from "../erasure/erasure.handlers.js";

/** MemoryService's parts, each built and wired by the composition root (src/compose/memory.ts). */
export interface MemoryServiceDeps {
  em: EntityManager;
  memories: (em: EntityManager) => MemoryRepository;
  stats: (em: EntityManager) => MemoryStatsRepository;
  /** GetMemoryStats reports the embedder's and the reranker's state. */
  embeddings: Embeddings;
  reranker: Reranker | null;
  /** Signs and checks ListMemories page tokens with the cluster's secret. */
  pageTokens: PageTokens;
  /** What the results may name to the reader (successors.ts). */
  successors: SuccessorNames;
  /** The write pipeline, which staged writes share. */
  writes: MemoryWrites;
  edits: MemoryEdits;
  search: MemorySearch;
  /** The workspace's search settings, which every search ranks with. */
  searchSettings: SearchSettingsSource;
  history: MemoryHistory;
  transfer: MemoryTransfer;
  /** EraseMemories and its receipts (src/erasure/). */
  erasure: Erase;
  /** WatchMemories, and the change-log position ListMemories hands to watchers. */
  feed: ChangeFeed;
  now: () => Date;
}

/**
 * engram.v1.MemoryService: the one implementation behind gRPC, Connect, REST and MCP. It only
 * adapts protos: each call's scope is checked before it runs (engram.v1.required_scope), the
 * parts it is given do the work (writes, edits, retrieval, history, transfer), and the records
 * that edits, retrieval and history return become protos here.
 */
export class MemoryServiceImpl implements ServiceImpl<typeof MemoryService> {
  constructor(private readonly deps: MemoryServiceDeps) {}

  async writeMemory(req: WriteMemoryRequest, ctx: HandlerContext): Promise<WriteMemoryResponse> {
    return this.deps.writes.write(principalOf(ctx), req);
  }

  async batchWriteMemories(req: BatchWriteMemoriesRequest, ctx: HandlerContext) {
    const results = await this.deps.writes.writeBatch(principalOf(ctx), req.requests, { atomic: req.atomic });
    return create(BatchWriteMemoriesResponseSchema, { results });
  }

  async getMemory(req: GetMemoryRequest, ctx: HandlerContext) {
    const viewer = actingViewer(ctx, req.agentId);
    if (req.asOf !== undefined) {
      const asOf = truncatedDate(req.asOf);
      return create(GetMemoryResponseSchema, {
        memory: toProto(await this.deps.history.at(viewer, req.id, asOf), asOf),
      });
    }
    const record = await this.deps.memories(this.deps.em.fork()).findVisible(viewer, req.id);
    if (record === null) throw memoryNotFound(req.id);
    return create(GetMemoryResponseSchema, { memory: await this.shown(viewer, record, this.deps.now()) });
  }

  async listMemories(req: ListMemoriesRequest, ctx: HandlerContext) {
    const viewer = actingViewer(ctx, req.filter?.agentId ?? "");
    const order = parseOrderBy(req.orderBy);
    const pageSize = pageSizeOf(req.pageSize);
    const q: Omit<ListQuery, "after" | "limit"> = { ...toFilterQuery(req.filter), order };
    const asOf = req.asOf === undefined ? null : truncatedDate(req.asOf);
    const tokenQuery = asOf === null ? [tokenScope(viewer), q] : [tokenScope(viewer), q, asOf];
    const after =
      req.pageToken === "" ? undefined : this.deps.pageTokens.decode(req.pageToken, tokenQuery, order.field);
    const now = asOf ?? this.deps.now();
    // Read before the page, so that a watcher from here misses nothing the page might not show.
    const watchCursor =
      req.pageToken === "" && asOf === null ? encodeCursor(await this.deps.feed.head(viewer.workspaceId)) : "";
    const page1 = { ...q, after, limit: pageSize + 1 };
    const { rows, cut } =
      asOf === null ? await this.listedNow(viewer, page1, now) : await this.deps.history.list(viewer, page1, asOf);
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    // A page cut short by its contents' size (contentBounded) may have more after it.
    const nextPageToken =
      (rows.length > pageSize || cut) && last
        ? this.deps.pageTokens.encode(tokenQuery, { value: orderValue(order.field, last), id: last.id })
        : "";
    return create(ListMemoriesResponseSchema, {
      memories: page.map((r) => toProto(r, now)),
      nextPageToken,
      watchCursor,
    });
  }

  async listMemoryRevisions(req: ListMemoryRevisionsRequest, ctx: HandlerContext) {
    const { revisions, older, nextPageToken } = await this.deps.history.revisions(actingViewer(ctx, req.agentId), req);
    return create(ListMemoryRevisionsResponseSchema, { revisions: toRevisionProtos(revisions, older), nextPageToken });
  }

  async unsupersedeMemory(req: UnsupersedeMemoryRequest, ctx: HandlerContext) {
    const now = this.deps.now();
    const viewer = actingViewer(ctx, req.agentId);
    const record = await this.deps.edits.unsupersede(viewer, req.id, now);
    return create(UnsupersedeMemoryResponseSchema, { memory: await this.shown(viewer, record, now) });
  }

  async updateMemory(req: UpdateMemoryRequest, ctx: HandlerContext) {
    const viewer = actingViewer(ctx, req.agentId);
    const now = this.deps.now();
    const { record, outcome } = await this.deps.edits.update(viewer, req, now);
    return create(UpdateMemoryResponseSchema, {
      memory: await this.shown(viewer, record, now),
      outcome: outcome === "updated" ? WriteOutcome.UPDATED : WriteOutcome.UNCHANGED,
    });
  }

  async deleteMemory(req: DeleteMemoryRequest, ctx: HandlerContext) {
    const viewer = actingViewer(ctx, req.agentId);
    const now = this.deps.now();
    const record = await this.deps.edits.delete(viewer, req, now);
    return create(DeleteMemoryResponseSchema, { memory: await this.shown(viewer, record, now) });
  }

  async undeleteMemory(req: UndeleteMemoryRequest, ctx: HandlerContext) {
    const viewer = actingViewer(ctx, req.agentId);
    const now = this.deps.now();
    const record = await this.deps.edits.undelete(viewer, req, now);
    return create(UndeleteMemoryResponseSchema, { memory: await this.shown(viewer, record, now) });
  }

  async *searchMemories(req: SearchMemoriesRequest, ctx: HandlerContext): AsyncGenerator<SearchMemoriesResponse> {
    const viewer = actingViewer(ctx, req.filter?.agentId ?? "");
    const settings = await this.deps.searchSettings(viewer.workspaceId);
    const { mode, rerank, hits } = await this.deps.search.search(viewer, toSearchQuery(req, settings, ctx.signal));
    // Before the first result, so that a search finding nothing also says how it searched.
    ctx.responseHeader.set(SEARCH_MODE_HEADER, mode);
    if (rerank !== null) ctx.responseHeader.set(RERANK_HEADER, rerank);
    for await (const { record, asOf, ...scores } of hits) {
      yield create(SearchMemoriesResponseSchema, {
        memory: toProto(record, asOf),
        ...scores,
        mode: SEARCH_MODES[mode],
      });
    }
  }

  async *watchMemories(req: WatchMemoriesRequest, ctx: HandlerContext): AsyncGenerator<WatchMemoriesResponse> {
    const viewer = actingViewer(ctx, req.filter?.agentId ?? "");
    const watch = { filter: toFilterQuery(req.filter), afterCursor: req.afterCursor };
    yield* this.deps.feed.watch(viewer, principalOf(ctx).keyId, watch, ctx.signal);
  }

  /** A page of ListMemories now, with the names of successors the viewer may see (successors.ts). */
  private async listedNow(viewer: Viewer, q: ListQuery, now: Date): Promise<BoundedRows<MemoryRecord>> {
    const { rows, cut } = await this.deps.memories(this.deps.em.fork()).list(viewer, q, now);
    return { rows: await this.deps.successors.records(viewer, rows), cut };
  }

  /** The record as the viewer may see it (successors.ts), as a proto. */
  private async shown(viewer: Viewer, record: MemoryRecord, now: Date) {
    return toProto(await this.deps.successors.record(viewer, record), now);
  }

  async getMemoryStats(_req: GetMemoryStatsRequest, ctx: HandlerContext) {
    const { stats, embeddings, reranker } = this.deps;
    return statsReport(stats(this.deps.em.fork()), embeddings, reranker, principalOf(ctx).workspaceId, this.deps.now());
  }

  async *exportMemories(req: ExportMemoriesRequest, ctx: HandlerContext): AsyncGenerator<ExportMemoriesResponse> {
    yield* this.deps.transfer.export(actingViewer(ctx, ""), toExportQuery(req.filter));
  }

  async importMemories(req: ImportMemoriesRequest, ctx: HandlerContext) {
    return this.deps.transfer.import(actingViewer(ctx, ""), req.memories);
  }

  readonly eraseMemories: Erase["eraseMemories"] = (req, ctx) => this.deps.erasure.eraseMemories(req, ctx);
  readonly listErasureReceipts: Erase["listErasureReceipts"] = (req, ctx) =>
    this.deps.erasure.listErasureReceipts(req, ctx);
  readonly getErasureReceipt: Erase["getErasureReceipt"] = (req, ctx) => this.deps.erasure.getErasureReceipt(req, ctx);
}
