import { create } from "@bufbuild/protobuf";
import { TransactionPropagation } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/sql";
import { v7 as uuidv7 } from "uuid";
import { EmbeddingStatus } from "../../gen/ts/engram/v1/memory_pb.js";
import {
  BatchWriteResultSchema,
  type BatchWriteResult,
  type DeleteMemoryRequest,
  type UndeleteMemoryRequest,
  type UpdateMemoryRequest,
  type WriteMemoryRequest,
  type WriteMemoryResponse,
} from "../../gen/ts/engram/v1/memory_service_pb.js";
import type { Viewer } from "../auth/principal.js";
import { assertCanModify } from "../auth/visibility.js";
import type { Embeddings, WriteEmbedding } from "../embedding/embeddings.js";
import { DomainError, invalidArgument, memoryNotFound, requiredField } from "../errors/domain-error.js";
import { toStatus } from "../errors/status.js";
import { writeOnce } from "./idempotency.js";
import { writePlainBatchItems } from "./keyless-batch.js";
import { lockOrder } from "./lock-order.js";
import { etagOf, toDraft } from "./memory-mapper.js";
import { stateOf, type MemoryDraft, type MemoryRecord } from "./memory-record.js";
import type { MemoryRepository } from "./memory.repository.js";
import type { StoredVectorRepository } from "./stored-vector.repository.js";
import { mergeDrafts } from "./merge.js";
import type { NeighbourRepository } from "./neighbour.repository.js";
import type { Classification } from "./guard/kind-classifier.js";
import { judgeNeighbours, vectorOf, type Neighbour, type WriteGuard } from "./guard/write-guard.js";
import { lowInformationReason } from "./guard/low-information.js";
import { applyUpdateMask } from "./update-mask.js";
import { previewWrite } from "./write-preview.js";
import {
  createdReason,
  mergeReason,
  nearDuplicateReason,
  rejected,
  ruledNote,
  toWriteResponse,
  type WriteResult,
} from "./write-result.js";
import { WriteVectorSource, type LateVectors } from "./write-vectors.js";

export interface MemoryWritesDeps {
  em: EntityManager;
  embeddings: Embeddings;
  memories: (em: EntityManager) => MemoryRepository;
  vectors: (em: EntityManager) => StoredVectorRepository;
  neighbours: (em: EntityManager) => NeighbourRepository;
  guard: WriteGuard;
  now: () => Date;
  /** Called after a write left a memory PENDING, so the embedding worker looks at once. */
  onPending: () => void;
  /** Called with the number of memories each committed write changed (for table statistics). */
  onWritten: (count: number) => void;
}

/** What must commit or fail together with a batch's writes, in their transaction: a staged write's state. */
export interface WithinWrites {
  before(tem: EntityManager): Promise<void>;
  after(tem: EntityManager, results: BatchWriteResult[]): Promise<void>;
}

const NOTHING_ELSE: WithinWrites = { before: async () => {}, after: async () => {} };

/**
 * The write pipeline: the write guard, upserts by key, merges of repeated content and near
 * duplicates, dry runs, idempotent retries and batches, each write with its vector when the
 * embedder answers in time.
 */
export class MemoryWrites {
  private readonly vectors: WriteVectorSource;

  constructor(private readonly deps: MemoryWritesDeps) {
    this.vectors = new WriteVectorSource(deps);
  }

  async write(viewer: Viewer, req: WriteMemoryRequest): Promise<WriteMemoryResponse> {
    const { embedded, late } = await this.vectors.forRequests(viewer.workspaceId, [req]);
    const response = await this.deps.em
      .fork()
      .transactional((tem) => this.writeOne(tem, viewer, req, "memory", embedded[0] ?? null));
    this.noteWritten([response], late);
    return response;
  }

  /** All or nothing, in one transaction; an item naming an agent the key may not act as fails the batch. */
  async writeAtomically(
    viewerOf: (r: WriteMemoryRequest) => Viewer,
    workspaceId: string,
    requests: WriteMemoryRequest[],
    within: WithinWrites = NOTHING_ELSE,
  ): Promise<WriteMemoryResponse[]> {
    const { embedded, late } = await this.vectors.forRequests(workspaceId, requests);
    const items = requests.map((request) => ({ viewer: viewerOf(request), request }));
    const responses = await this.deps.em.fork().transactional(async (tem) => {
      await within.before(tem);
      const out: WriteMemoryResponse[] = [];
      for (const [i, { viewer, request }] of items.entries()) {
        out.push(await this.writeOne(tem, viewer, request, itemField(i), embedded[i] ?? null));
      }
      await within.after(
        tem,
        out.map((value) => create(BatchWriteResultSchema, { result: { case: "response", value } })),
      );
      return out;
    });
    this.noteWritten(responses, late);
    return responses;
  }

  /**
   * Each item on its own: one transaction (one commit) for the batch and a savepoint per
   * item, so an item that fails rolls back alone and reports its error. Items take their
   * locks in one global order, so that concurrent batches writing the same keys wait for
   * each other instead of deadlocking.
   */
  async writeEach(
    viewerOf: (r: WriteMemoryRequest) => Viewer,
    workspaceId: string,
    requests: WriteMemoryRequest[],
    within: WithinWrites = NOTHING_ELSE,
  ): Promise<BatchWriteResult[]> {
    const { embedded, late } = await this.vectors.forRequests(workspaceId, requests);
    const results: BatchWriteResult[] = [];
    const answer = (i: number, result: BatchWriteResult["result"]) =>
      (results[i] = create(BatchWriteResultSchema, { result }));
    await this.deps.em.fork().transactional(async (tem) => {
      await within.before(tem);
      const together = await writePlainBatchItems(tem, this.deps, requests, viewerOf, embedded, this.deps.now());
      for (const [i, response] of together) answer(i, { case: "response", value: response });
      for (const [i, r] of lockOrder(requests)) {
        if (together.has(i)) continue;
        try {
          // Per item: an item naming an agent the key may not act as fails alone (PERMISSION_DENIED).
          const viewer = viewerOf(r);
          const response = await tem.transactional(
            (sem) => this.writeOne(sem, viewer, r, itemField(i), embedded[i] ?? null),
            {
              propagation: TransactionPropagation.NESTED,
            },
          );
          answer(i, { case: "response", value: response });
        } catch (err) {
          answer(i, { case: "error", value: toStatus(err) });
        }
      }
      await within.after(tem, results);
    });
    this.noteWritten(
      results.flatMap((r) => (r.result.case === "response" ? [r.result.value] : [])),
      late,
    );
    return results;
  }

  async update(viewer: Viewer, req: UpdateMemoryRequest, now: Date): Promise<MemoryRecord> {
    const { em, memories } = this.deps;
    const paths = req.updateMask?.paths ?? [];
    const changes = requiredField(req.memory, "memory");
    const changesContent = paths.includes("content") || paths.includes("*");
    // An update has no outcome to report a rejection in: a content the guard would reject is an error.
    const lowInformation = changesContent ? lowInformationReason(changes.content) : null;
    if (lowInformation !== null) throw invalidArgument("memory.content", "LOW_INFORMATION", lowInformation);
    const { embedded, late } = changesContent
      ? await this.vectors.forContents(viewer.workspaceId, [changes.content])
      : { embedded: new Map<string, WriteEmbedding>(), late: null };
    const updated = await em.fork().transactional(async (tem) => {
      const target = await this.modifiable(tem, viewer, req.id, req.etag);
      if (stateOf(target, now) === "deleted") {
        throw new DomainError(
          "failed_precondition",
          "MEMORY_DELETED",
          `memory ${req.id} is deleted; undelete it first`,
        );
      }
      const draft = applyUpdateMask(target, changes, paths, now);
      return memories(tem).replace(target, draft, embedded.get(draft.content) ?? null, now);
    });
    this.vectors.attachLate(late);
    if (updated.embeddingStatus === "pending") this.deps.onPending();
    this.deps.onWritten(1);
    return updated;
  }

  async delete(viewer: Viewer, req: DeleteMemoryRequest, now: Date): Promise<MemoryRecord> {
    const { record, changed } = await this.deps.em.fork().transactional(async (tem) => {
      const target = await this.modifiable(tem, viewer, req.id, req.etag);
      if (target.deleteTime !== null) return { record: target, changed: false };
      const reason = req.reason === "" ? null : req.reason;
      return { record: await this.deps.memories(tem).setDeleted(target, now, reason, now), changed: true };
    });
    // After the commit, as onWritten's contract says: a rolled-back delete wrote nothing.
    if (changed) this.deps.onWritten(1);
    return record;
  }

  async undelete(viewer: Viewer, req: UndeleteMemoryRequest, now: Date): Promise<MemoryRecord> {
    const { record, changed } = await this.deps.em.fork().transactional(async (tem) => {
      const target = await this.modifiable(tem, viewer, req.id, "");
      if (target.deleteTime === null) return { record: target, changed: false };
      return { record: await this.deps.memories(tem).setDeleted(target, null, null, now), changed: true };
    });
    if (changed) this.deps.onWritten(1);
    return record;
  }

  /** A memory the viewer may change, locked for the rest of the transaction. */
  private async modifiable(tem: EntityManager, viewer: Viewer, id: string, etag: string): Promise<MemoryRecord> {
    const target = await this.deps.memories(tem).findVisible(viewer, id, { forUpdate: true });
    if (target === null) throw memoryNotFound(id);
    assertCanModify(viewer, target);
    if (etag !== "" && etag !== etagOf(target)) {
      throw new DomainError("aborted", "ETAG_MISMATCH", `memory ${id} has changed since etag ${etag} was read`);
    }
    return target;
  }

  /** One write inside the caller's transaction: the guard, then dry run, idempotent retry, upsert or merge. */
  private async writeOne(
    tem: EntityManager,
    viewer: Viewer,
    req: WriteMemoryRequest,
    field: string,
    embedded: WriteEmbedding,
  ): Promise<WriteMemoryResponse> {
    const now = this.deps.now();
    const requested = toDraft(requiredField(req.memory, field), viewer.agentId, { ttl: req.ttl, now }, field);
    const admission = await this.deps.guard.admit(requested, embedded, field);
    if ("rejected" in admission) return toWriteResponse(rejected(admission.rejected), now);
    const { draft, classification } = admission;
    const memories = this.deps.memories(tem);
    if (req.validateOnly) {
      const neighbours = await this.neighboursOf(tem, viewer, draft, embedded, now);
      return toWriteResponse(await previewWrite(memories, viewer, draft, neighbours, classification, now), now);
    }
    const write = async () =>
      toWriteResponse(await this.store(tem, memories, viewer, draft, classification, embedded, now), now);
    return req.requestId === "" ? write() : writeOnce(tem, viewer, req, now, write);
  }

  private async store(
    tem: EntityManager,
    memories: MemoryRepository,
    viewer: Viewer,
    draft: MemoryDraft,
    classification: Classification | null,
    embedded: WriteEmbedding,
    now: Date,
  ): Promise<WriteResult> {
    if (draft.key !== null) {
      const { note } = judgeNeighbours(draft, await this.neighboursOf(tem, viewer, draft, embedded, now), null);
      const { record, outcome } = await memories.upsertByKey(viewer.workspaceId, uuidv7(), draft, embedded, now);
      return { record, outcome, reason: UPSERT_REASONS[outcome], note };
    }
    const target = await memories.lockMergeTarget(viewer.workspaceId, draft, now, true);
    if (target !== null) {
      // A merge keeps the target's content, and so its vector.
      const merged = await memories.replace(target, mergeDrafts(target, draft), null, now);
      return { record: merged, outcome: "merged", reason: mergeReason(target.id), note: ruledNote(classification) };
    }
    const neighbours = await this.neighboursOf(tem, viewer, draft, embedded, now);
    const { mergeInto, note } = judgeNeighbours(draft, neighbours, classification);
    if (mergeInto !== null) {
      const merged = await memories.replace(mergeInto.record, mergeDrafts(mergeInto.record, draft), null, now);
      return {
        record: merged,
        outcome: "merged",
        reason: nearDuplicateReason(mergeInto.record.id, mergeInto.similarity),
        note,
      };
    }
    const record = await memories.insertDraft(viewer.workspaceId, { id: uuidv7(), draft, embedded }, now);
    return { record, outcome: "created", reason: createdReason(classification), note };
  }

  /** The active memories of the draft's subject nearest to its vector; none when it has no vector yet. */
  private async neighboursOf(
    tem: EntityManager,
    viewer: Viewer,
    draft: MemoryDraft,
    embedded: WriteEmbedding,
    now: Date,
  ): Promise<Neighbour[]> {
    const vector = vectorOf(embedded);
    if (vector === null) return [];
    const [neighbours] = await this.deps
      .neighbours(tem)
      .nearest(viewer.workspaceId, viewer.admin, [{ ...draft, vector: vector.vector }], vector.model, now);
    return neighbours ?? [];
  }

  private noteWritten(responses: WriteMemoryResponse[], late: LateVectors | null): void {
    this.vectors.attachLate(late);
    if (responses.some((r) => r.memory?.embeddingStatus === EmbeddingStatus.PENDING)) this.deps.onPending();
    this.deps.onWritten(responses.filter((r) => r.memory !== undefined).length);
  }
}

const UPSERT_REASONS = {
  created: "no memory had this key",
  updated: "an active memory had this key; its fields were replaced",
  revived: "the memory with this key was deleted or expired; it is active again",
} as const;

function itemField(i: number): string {
  return `requests[${i}].memory`;
}
