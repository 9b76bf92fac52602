import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { createHash } from "node:crypto";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { TransactionPropagation } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/sql";
import { v7 as uuidv7 } from "uuid";
import {
  BatchWriteMemoriesResponseSchema,
  BatchWriteResultSchema,
  type BatchWriteResult,
  DeleteMemoryResponseSchema,
  GetMemoryResponseSchema,
  ListMemoriesResponseSchema,
  UndeleteMemoryResponseSchema,
  UpdateMemoryResponseSchema,
  WriteMemoryRequestSchema,
  WriteMemoryResponseSchema,
  SearchMemoriesResponseSchema,
  SearchMode,
  WriteOutcome,
  type BatchWriteMemoriesRequest,
  type SearchMemoriesRequest,
  type SearchMemoriesResponse,
  type DeleteMemoryRequest,
  type GetMemoryRequest,
  type ListMemoriesRequest,
  type MemoryService,
  type UndeleteMemoryRequest,
  type UpdateMemoryRequest,
  type WriteMemoryRequest,
  type WriteMemoryResponse,
} from "../../gen/ts/engram/v1/memory_service_pb.js";
import { EmbeddingStatus, type MemoryFilter } from "../../gen/ts/engram/v1/memory_pb.js";
import type { Embeddings, WriteEmbedding } from "../embedding/embeddings.js";
import { assertCanModify } from "../auth/visibility.js";
import { principalOf, requireScope, viewerFor, type Viewer } from "../auth/principal.js";
import { DomainError, memoryNotFound } from "../errors.js";
import { toStatus } from "../server/errors.js";
import { etagOf, toDraft, toProto, visibilityValue } from "./memory-mapper.js";
import { applyUpdateMask } from "./update-mask.js";
import { mergeDrafts } from "./merge.js";
import { writeKeylessTogether, type KeylessWrite } from "./keyless-batch.js";
import { stateOf, type MemoryDraft, type MemoryRecord } from "./memory-record.js";
import { MemoryRepository, type FilterQuery, type ListQuery, type OrderField } from "./memory.repository.js";
import { fuse } from "./ranking.js";
import { orderValue, type PageTokens } from "./page-token.js";
import { WriteRequestRepository } from "./write-request.repository.js";

const DEFAULT_PAGE_SIZE = 50;
const DEFAULT_TOP_K = 10;

export interface MemoryServiceDeps {
  em: EntityManager;
  embeddings: Embeddings;
  /** Signs and checks ListMemories page tokens with the cluster's secret. */
  pageTokens: PageTokens;
  /** Called after a write left a memory PENDING, so the embedding worker looks at once. */
  onPending?: () => void;
  /** Called with the number of memories each committed write changed (for table statistics). */
  onWritten?: (count: number) => void;
  /** The memories repository bound to an entity manager (a transaction's, or a fork). */
  repository?: (em: EntityManager) => MemoryRepository;
  now?: () => Date;
}

/**
 * How long a write whose vector missed its budget keeps the embedding job for itself: time
 * to finish the computation it started, after which any worker may take the job over.
 */
const WRITER_HOLD_MS = 30_000;

/** Vectors still being computed for writes that have committed, and what they are for. */
interface LateVectors {
  workspaceId: string;
  contents: string[];
  vectors: Promise<{ vector: number[]; model: string }[]>;
}

/** Each write's vector (or hold), and the computation to finish after the commit. */
interface WriteVectors<T> {
  embedded: T;
  late: LateVectors | null;
}

/** How long a search waits for its query vector before answering by keyword alone. */
const QUERY_EMBEDDING_TIMEOUT_MS = 2_000;
/** Search results are read from the database, and streamed, in batches of this size. */
const STREAM_BATCH = 10;

/** engram.v1.MemoryService: the one implementation behind gRPC, Connect, REST and MCP. */
export class MemoryServiceImpl implements ServiceImpl<typeof MemoryService> {
  private readonly em: EntityManager;
  private readonly embeddings: Embeddings;
  private readonly pageTokens: PageTokens;
  private readonly onPending: () => void;
  private readonly onWritten: (count: number) => void;
  private readonly memories: (em: EntityManager) => MemoryRepository;
  private readonly now: () => Date;

  constructor(deps: MemoryServiceDeps) {
    this.em = deps.em;
    this.embeddings = deps.embeddings;
    this.pageTokens = deps.pageTokens;
    this.onPending = deps.onPending ?? (() => {});
    this.onWritten = deps.onWritten ?? (() => {});
    this.memories = deps.repository ?? ((em) => new MemoryRepository(em));
    this.now = deps.now ?? (() => new Date());
  }

  async writeMemory(req: WriteMemoryRequest, ctx: HandlerContext): Promise<WriteMemoryResponse> {
    const principal = principalOf(ctx);
    requireScope(principal, "memory:write");
    const viewer = viewerFor(principal, req.memory?.agentId ?? "");
    const { embedded, late } = await this.embedForWrites(viewer.workspaceId, [req]);
    const response = await this.em
      .fork()
      .transactional((tem) => this.writeOne(tem, viewer, req, "memory", embedded[0]!));
    this.noteWritten([response], late);
    return response;
  }

  async batchWriteMemories(req: BatchWriteMemoriesRequest, ctx: HandlerContext) {
    const principal = principalOf(ctx);
    requireScope(principal, "memory:write");
    const viewerOf = (r: WriteMemoryRequest) => viewerFor(principal, r.memory?.agentId ?? "");
    const field = (i: number) => `requests[${i}].memory`;
    const { embedded, late } = await this.embedForWrites(principal.workspaceId, req.requests);
    if (req.atomic) {
      const viewers = req.requests.map(viewerOf);
      const responses = await this.em.fork().transactional(async (tem) => {
        const out: WriteMemoryResponse[] = [];
        for (const [i, r] of req.requests.entries()) {
          out.push(await this.writeOne(tem, viewers[i] as Viewer, r, field(i), embedded[i]!));
        }
        return out;
      });
      this.noteWritten(responses, late);
      return create(BatchWriteMemoriesResponseSchema, {
        results: responses.map((response) => ({ result: { case: "response" as const, value: response } })),
      });
    }
    // One transaction (one commit) for the batch and a savepoint per item, so an item that
    // fails rolls back alone. Items take their locks in one global order, so that concurrent
    // batches writing the same keys wait for each other instead of deadlocking.
    const results: BatchWriteResult[] = [];
    await this.em.fork().transactional(async (tem) => {
      const together = await this.writeKeylessTogether(tem, req.requests, viewerOf, embedded);
      for (const [i, response] of together) {
        results[i] = create(BatchWriteResultSchema, { result: { case: "response", value: response } });
      }
      for (const i of lockOrder(req.requests)) {
        if (together.has(i)) continue;
        const r = req.requests[i]!;
        try {
          // Per item: an item naming an agent the key may not act as fails alone (PERMISSION_DENIED).
          const viewer = viewerOf(r);
          const response = await tem.transactional((sem) => this.writeOne(sem, viewer, r, field(i), embedded[i]!), {
            propagation: TransactionPropagation.NESTED,
          });
          results[i] = create(BatchWriteResultSchema, { result: { case: "response", value: response } });
        } catch (err) {
          results[i] = create(BatchWriteResultSchema, { result: { case: "error", value: toStatus(err) } });
        }
      }
    });
    this.noteWritten(
      results.flatMap((r) => (r.result.case === "response" ? [r.result.value] : [])),
      late,
    );
    return create(BatchWriteMemoriesResponseSchema, { results });
  }

  async getMemory(req: GetMemoryRequest, ctx: HandlerContext) {
    const principal = principalOf(ctx);
    requireScope(principal, "memory:read");
    const viewer = viewerFor(principal, req.agentId);
    const record = await this.memories(this.em.fork()).findVisible(viewer, req.id);
    if (record === null) throw memoryNotFound(req.id);
    return create(GetMemoryResponseSchema, { memory: toProto(record, this.now()) });
  }

  async listMemories(req: ListMemoriesRequest, ctx: HandlerContext) {
    const principal = principalOf(ctx);
    requireScope(principal, "memory:read");
    const viewer = viewerFor(principal, req.filter?.agentId ?? "");
    const order = parseOrderBy(req.orderBy);
    const pageSize = req.pageSize === 0 ? DEFAULT_PAGE_SIZE : req.pageSize;
    const q: Omit<ListQuery, "after" | "limit"> = { ...toFilterQuery(req.filter), order };
    const tokenQuery = [viewer, q];
    const after = req.pageToken === "" ? undefined : this.pageTokens.decode(req.pageToken, tokenQuery, order.field);
    const now = this.now();
    const rows = await this.memories(this.em.fork()).list(viewer, { ...q, after, limit: pageSize + 1 }, now);
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    const nextPageToken =
      rows.length > pageSize && last
        ? this.pageTokens.encode(tokenQuery, { value: orderValue(order.field, last), id: last.id })
        : "";
    return create(ListMemoriesResponseSchema, { memories: page.map((r) => toProto(r, now)), nextPageToken });
  }

  async updateMemory(req: UpdateMemoryRequest, ctx: HandlerContext) {
    const principal = principalOf(ctx);
    requireScope(principal, "memory:write");
    const viewer = viewerFor(principal, req.agentId);
    const now = this.now();
    const paths = req.updateMask?.paths ?? [];
    const changesContent = paths.includes("content") || paths.includes("*");
    const { embedded, late } = changesContent
      ? await this.vectorsFor(viewer.workspaceId, [req.memory!.content])
      : { embedded: new Map<string, WriteEmbedding>(), late: null };
    const updated = await this.em.fork().transactional(async (tem) => {
      const target = await this.modifiable(tem, viewer, req.id, req.etag);
      if (stateOf(target, now) === "deleted") {
        throw new DomainError(
          "failed_precondition",
          "MEMORY_DELETED",
          `memory ${req.id} is deleted; undelete it first`,
        );
      }
      const draft = applyUpdateMask(target, req.memory!, paths, now);
      return this.memories(tem).replace(target, draft, embedded.get(draft.content) ?? null, now);
    });
    this.attachLate(late);
    if (updated.embeddingStatus === "pending") this.onPending();
    this.onWritten(1);
    return create(UpdateMemoryResponseSchema, { memory: toProto(updated, now) });
  }

  async deleteMemory(req: DeleteMemoryRequest, ctx: HandlerContext) {
    const principal = principalOf(ctx);
    requireScope(principal, "memory:write");
    const viewer = viewerFor(principal, req.agentId);
    const now = this.now();
    const record = await this.em.fork().transactional(async (tem) => {
      const target = await this.modifiable(tem, viewer, req.id, req.etag);
      if (target.deleteTime !== null) return target;
      this.onWritten(1);
      return this.memories(tem).setDeleted(target, now, req.reason === "" ? null : req.reason, now);
    });
    return create(DeleteMemoryResponseSchema, { memory: toProto(record, now) });
  }

  async undeleteMemory(req: UndeleteMemoryRequest, ctx: HandlerContext) {
    const principal = principalOf(ctx);
    requireScope(principal, "memory:write");
    const viewer = viewerFor(principal, req.agentId);
    const now = this.now();
    const record = await this.em.fork().transactional(async (tem) => {
      const target = await this.modifiable(tem, viewer, req.id, "");
      if (target.deleteTime === null) return target;
      return this.memories(tem).setDeleted(target, null, null, now);
    });
    return create(UndeleteMemoryResponseSchema, { memory: toProto(record, now) });
  }

  /**
   * Ranks in one transaction (the vector and text queries, filters and visibility inside
   * the SQL), then reads and streams the results in batches: the first results are on the
   * wire before the last are read. Without an answering embedder the search runs by keyword
   * and every response says so.
   */
  async *searchMemories(req: SearchMemoriesRequest, ctx: HandlerContext): AsyncGenerator<SearchMemoriesResponse> {
    const principal = principalOf(ctx);
    requireScope(principal, "memory:read");
    const viewer = viewerFor(principal, req.filter?.agentId ?? "");
    const filter = toFilterQuery(req.filter);
    const topK = req.topK === 0 ? DEFAULT_TOP_K : req.topK;
    const requested = req.mode === SearchMode.UNSPECIFIED ? SearchMode.HYBRID : req.mode;
    const queryVector =
      requested === SearchMode.KEYWORD ? null : await this.embeddings.embedQuery(req.query, QUERY_EMBEDDING_TIMEOUT_MS);
    const mode = queryVector === null ? SearchMode.KEYWORD : requested;
    const now = this.now();
    // Fusion needs each retriever's view beyond the top k to reorder it.
    const pool = mode === SearchMode.HYBRID ? Math.min(Math.max(topK * 3, 50), 300) : topK;
    const ranked = await this.em.fork().transactional(async (tem) => {
      const memories = this.memories(tem);
      const semantic =
        queryVector === null
          ? []
          : await memories.nearest(viewer, filter, queryVector.vector, queryVector.model, pool, now);
      const keyword =
        mode === SearchMode.SEMANTIC ? [] : await memories.keywordMatches(viewer, filter, req.query, pool, now);
      return fuse(semantic, keyword).map((r) => ({
        ...r,
        score: mode === SearchMode.HYBRID ? r.score : mode === SearchMode.SEMANTIC ? r.semanticScore : r.keywordScore,
      }));
    });
    const results = ranked
      .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
      // Compared as reported (a proto float): a result shown scoring exactly min_score is kept.
      .filter((r) => req.minScore === 0 || Math.fround(r.score) >= req.minScore)
      .slice(0, topK);
    let rank = 0;
    for (let i = 0; i < results.length; i += STREAM_BATCH) {
      const batch = results.slice(i, i + STREAM_BATCH);
      const records = new Map(
        (
          await this.memories(this.em.fork()).findMany(
            viewer,
            batch.map((r) => r.id),
          )
        ).map((m) => [m.id, m]),
      );
      for (const r of batch) {
        const record = records.get(r.id);
        // Deleted between ranking and reading: leave it out rather than show a stale memory.
        if (record === undefined) continue;
        rank += 1;
        yield create(SearchMemoriesResponseSchema, {
          memory: toProto(record, now),
          score: r.score,
          rank,
          semanticScore: r.semanticScore,
          keywordScore: r.keywordScore,
          mode,
        });
      }
    }
  }

  /**
   * The plain keyless writes of a non-atomic batch (no key, request_id or validate_only),
   * written together under a savepoint. Anything unusual (an item that fails its checks, a
   * database error) leaves items to the one-by-one path, which reports each failure alone.
   */
  private async writeKeylessTogether(
    tem: EntityManager,
    requests: WriteMemoryRequest[],
    viewerOf: (r: WriteMemoryRequest) => Viewer,
    embedded: WriteEmbedding[],
  ): Promise<Map<number, WriteMemoryResponse>> {
    const now = this.now();
    const writes: KeylessWrite[] = [];
    let workspaceId = "";
    for (const [index, r] of requests.entries()) {
      if (r.validateOnly || r.requestId !== "" || r.memory === undefined || r.memory.key !== "") continue;
      try {
        const viewer = viewerOf(r);
        workspaceId = viewer.workspaceId;
        writes.push({
          index,
          draft: toDraft(r.memory, viewer.agentId, { ttl: r.ttl, now }, ""),
          embedded: embedded[index]!,
        });
      } catch {
        // Left to the one-by-one path, which reports it with its field path.
      }
    }
    if (writes.length < 2) return new Map();
    try {
      const outcomes = await tem.transactional(
        (sem) => writeKeylessTogether(this.memories(sem), workspaceId, writes, now),
        { propagation: TransactionPropagation.NESTED },
      );
      return new Map(
        [...outcomes].map(([index, { record, mergedInto }]) => [
          index,
          mergedInto === null
            ? this.response(record, WriteOutcome.CREATED, "new memory", now)
            : this.response(
                record,
                WriteOutcome.MERGED,
                `same content as active memory ${mergedInto}; merged into it`,
                now,
              ),
        ]),
      );
    } catch {
      return new Map();
    }
  }

  /** A memory the viewer may change, locked for the rest of the transaction. */
  private async modifiable(tem: EntityManager, viewer: Viewer, id: string, etag: string): Promise<MemoryRecord> {
    const target = await this.memories(tem).findVisible(viewer, id, { forUpdate: true });
    if (target === null) throw memoryNotFound(id);
    assertCanModify(viewer, target);
    if (etag !== "" && etag !== etagOf(target)) {
      throw new DomainError("aborted", "ETAG_MISMATCH", `memory ${id} has changed since etag ${etag} was read`);
    }
    return target;
  }

  /** One write inside the caller's transaction: dry run, idempotent retry, upsert or merge. */
  private async writeOne(
    tem: EntityManager,
    viewer: Viewer,
    req: WriteMemoryRequest,
    field: string,
    embedded: WriteEmbedding,
  ): Promise<WriteMemoryResponse> {
    const now = this.now();
    const draft = toDraft(req.memory!, viewer.agentId, { ttl: req.ttl, now }, field);
    if (req.validateOnly) return this.dryRun(tem, viewer, draft, now);
    if (req.requestId === "") return this.write(tem, viewer, draft, embedded, now);

    const ledger = new WriteRequestRepository(tem);
    const key = { workspaceId: viewer.workspaceId, agentScope: viewer.agentId ?? "", requestId: req.requestId };
    const requestHash = createHash("sha256").update(toBinary(WriteMemoryRequestSchema, req)).digest("hex");
    if (!(await ledger.claim(key, requestHash, now))) {
      const prior = await ledger.findRequest(key);
      if (prior?.requestHash !== requestHash) {
        throw new DomainError(
          "already_exists",
          "REQUEST_ID_REUSED",
          `request_id ${req.requestId} was already used for a different request`,
          [{ field: "request_id", description: "already used for a different request" }],
        );
      }
      return fromBinary(WriteMemoryResponseSchema, prior.response ?? new Uint8Array());
    }
    const response = await this.write(tem, viewer, draft, embedded, now);
    await ledger.saveResponse(key, toBinary(WriteMemoryResponseSchema, response));
    return response;
  }

  private async write(
    tem: EntityManager,
    viewer: Viewer,
    draft: MemoryDraft,
    embedded: WriteEmbedding,
    now: Date,
  ): Promise<WriteMemoryResponse> {
    const memories = this.memories(tem);
    if (draft.key !== null) {
      const { record, outcome } = await memories.upsertByKey(viewer.workspaceId, uuidv7(), draft, embedded, now);
      const reason = {
        created: "no memory had this key",
        updated: "an active memory had this key; its fields were replaced",
        revived: "the memory with this key was deleted or expired; it is active again",
      }[outcome];
      return this.response(record, OUTCOMES[outcome], reason, now);
    }
    const target = await memories.lockMergeTarget(viewer.workspaceId, draft, now, true);
    if (target !== null) {
      // A merge keeps the target's content, and so its vector.
      const merged = await memories.replace(target, mergeDrafts(target, draft), null, now);
      return this.response(
        merged,
        WriteOutcome.MERGED,
        `same content as active memory ${target.id}; merged into it`,
        now,
      );
    }
    const record = await memories.insert(viewer.workspaceId, uuidv7(), draft, embedded, now);
    return this.response(record, WriteOutcome.CREATED, "new memory", now);
  }

  /** What a write would do, without writing: validate_only. */
  private async dryRun(
    tem: EntityManager,
    viewer: Viewer,
    draft: MemoryDraft,
    now: Date,
  ): Promise<WriteMemoryResponse> {
    const memories = this.memories(tem);
    const preview = (base: MemoryRecord | null, d: MemoryDraft): MemoryRecord => ({
      ...d,
      workspaceId: viewer.workspaceId,
      id: base?.id ?? "",
      forgetReason: null,
      embeddingModel: null,
      embeddingStatus: "pending",
      revision: (base?.revision ?? 0) + 1,
      createTime: base?.createTime ?? now,
      updateTime: now,
      deleteTime: null,
    });
    if (draft.key !== null) {
      const existing = await memories.findByNaturalKey(viewer.workspaceId, draft);
      if (existing === null)
        return this.response(preview(null, draft), WriteOutcome.CREATED, "validate_only: would create a memory", now);
      const revive = stateOf(existing, now) !== "active";
      return this.response(
        preview(existing, draft),
        revive ? WriteOutcome.REVIVED : WriteOutcome.UPDATED,
        `validate_only: would ${revive ? "revive" : "update"} memory ${existing.id}`,
        now,
      );
    }
    const target = await memories.lockMergeTarget(viewer.workspaceId, draft, now, false);
    if (target !== null) {
      return this.response(
        preview(target, mergeDrafts(target, draft)),
        WriteOutcome.MERGED,
        `validate_only: would merge into memory ${target.id}`,
        now,
      );
    }
    return this.response(preview(null, draft), WriteOutcome.CREATED, "validate_only: would create a memory", now);
  }

  /** Each write's vector (null for dry runs, and for contents the embedder did not deliver). */
  private async embedForWrites(
    workspaceId: string,
    requests: WriteMemoryRequest[],
  ): Promise<WriteVectors<WriteEmbedding[]>> {
    const live = requests.flatMap((r) => (!r.validateOnly && r.memory !== undefined ? [r.memory.content] : []));
    const { embedded, late } = await this.vectorsFor(workspaceId, live);
    return {
      embedded: requests.map((r) => (r.validateOnly ? null : (embedded.get(r.memory?.content ?? "") ?? null))),
      late,
    };
  }

  /**
   * Vectors for contents about to be written. A content the workspace already stores (an
   * unchanged keyed write, a repeat) reuses its stored vector and never reaches the embedder;
   * the rest are embedded if the embedder answers within the write budget. Past the budget the
   * write commits PENDING with a hold on the job and attaches the vector itself when it
   * arrives, so no worker, on this server or another, computes it a second time.
   */
  private async vectorsFor(
    workspaceId: string,
    contents: string[],
  ): Promise<WriteVectors<Map<string, WriteEmbedding>>> {
    const model = this.embeddings.model;
    const embedded = new Map<string, WriteEmbedding>();
    if (model === null || contents.length === 0) return { embedded, late: null };
    const unique = [...new Set(contents)];
    const stored = await this.memories(this.em.fork()).vectorsByContent(workspaceId, unique, model);
    for (const [content, vector] of stored) embedded.set(content, { vector, model });
    const missing = unique.filter((c) => !embedded.has(c));
    const computed = missing.length === 0 ? null : await this.embeddings.tryEmbed(missing);
    if (computed === null) return { embedded, late: null };
    if (computed.done) {
      computed.vectors.forEach((vector, i) => embedded.set(missing[i]!, vector));
      return { embedded, late: null };
    }
    const hold = { heldUntil: new Date(Date.now() + WRITER_HOLD_MS) };
    for (const content of missing) embedded.set(content, hold);
    return { embedded, late: { workspaceId, contents: missing, vectors: computed.pending } };
  }

  /**
   * Attaches the vectors a committed write is still waiting for. Should the computation fail,
   * the worker gets the jobs now; should storing them fail, the hold runs out and the worker
   * gets them then: either way the memories stay PENDING, never lost.
   */
  private attachLate(late: LateVectors | null): void {
    if (late === null) return;
    const { workspaceId, contents } = late;
    late.vectors
      .then(
        (vectors) =>
          this.memories(this.em.fork()).attachByContent(
            workspaceId,
            contents,
            vectors.map((v) => v.vector),
            vectors[0]?.model ?? "",
          ),
        () => this.memories(this.em.fork()).releaseHeld(workspaceId, contents).then(this.onPending),
      )
      .catch(() => {});
  }

  private noteWritten(responses: WriteMemoryResponse[], late: LateVectors | null): void {
    this.attachLate(late);
    if (responses.some((r) => r.memory?.embeddingStatus === EmbeddingStatus.PENDING)) this.onPending();
    this.onWritten(responses.length);
  }

  private response(record: MemoryRecord, outcome: WriteOutcome, reason: string, now: Date): WriteMemoryResponse {
    return create(WriteMemoryResponseSchema, { memory: toProto(record, now), outcome, reason });
  }
}

const OUTCOMES = {
  created: WriteOutcome.CREATED,
  updated: WriteOutcome.UPDATED,
  revived: WriteOutcome.REVIVED,
} as const;

/**
 * The order in which a batch's items are written: by the natural key or content they lock,
 * so that two batches never hold each other's next lock. Items on the same key keep their
 * request order (the sort is stable), so the last one still wins; so do items sharing a
 * request_id (they sort with its first user), so the first one still owns it.
 */
function lockOrder(requests: WriteMemoryRequest[]): number[] {
  const firstWithRequestId = new Map<string, number>();
  const lockKeys = requests.map(({ memory: m }) =>
    JSON.stringify([m?.agentId, m?.subjectType, m?.subjectId, m?.kind, m?.key, m?.key ? "" : m?.content]),
  );
  const sortKeys = requests.map(({ requestId }, i) => {
    if (requestId === "") return lockKeys[i]!;
    if (!firstWithRequestId.has(requestId)) firstWithRequestId.set(requestId, i);
    return lockKeys[firstWithRequestId.get(requestId)!]!;
  });
  return requests
    .map((_, i) => i)
    .sort((a, b) => (sortKeys[a]! < sortKeys[b]! ? -1 : sortKeys[a]! > sortKeys[b]! ? 1 : 0));
}

function parseOrderBy(orderBy: string): ListQuery["order"] {
  if (orderBy === "") return { field: "create_time", descending: true };
  const [field, direction] = orderBy.split(" ");
  return { field: field as OrderField, descending: direction === "desc" };
}

function toFilterQuery(filter: MemoryFilter | undefined): FilterQuery {
  return {
    subjectType: nonEmpty(filter?.subjectType),
    subjectId: nonEmpty(filter?.subjectId),
    kinds: filter?.kinds ?? [],
    tags: filter?.tags ?? [],
    anyTags: filter?.anyTags ?? [],
    linkedEntity: filter?.linkedEntityType ? { type: filter.linkedEntityType, id: filter.linkedEntityId } : undefined,
    visibility: filter?.visibility ? visibilityValue(filter.visibility) : undefined,
    key: nonEmpty(filter?.key),
    showDeleted: filter?.showDeleted ?? false,
    showExpired: filter?.showExpired ?? false,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
