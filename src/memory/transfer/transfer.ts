import type { ContentExtraction } from "../../graph/content-mentions.js";
import { create } from "@bufbuild/protobuf";
import type { EntityManager } from "@mikro-orm/sql";
import { MemoryState, type Memory } from "../../../gen/ts/engram/v1/memory_pb.js";
import {
  ImportMemoriesResponseSchema,
  type ExportMemoriesResponse,
  type ImportMemoriesResponse,
} from "../../../gen/ts/engram/v1/memory_service_pb.js";
import type { Viewer } from "../../auth/principal.js";
import { isNaturalKeyTaken } from "../../db/database-errors.js";
import { DomainError, invalidArgument, requiredField } from "../../errors/domain-error.js";
import { isUuid } from "../../ids.js";
import { mentionsFromProto } from "../../graph/memory-graph-fields.js";
import { ExportedEntities, ExportedMerges, importEntities, importMerges } from "../../graph/transferred-entities.js";
import { emptyToNull, toDraft, truncatedDate } from "../mapper.js";
import { MemoryTransferRepository, type ExportQuery, type TransferredMemory } from "./transfer.repository.js";
import type { MemoryRevisionRepository } from "../../history/revision.repository.js";
import { changeBy, type Change } from "../change.js";
import { importedRevisions, supersededByOf } from "./imported-history.js";
import { exportedItems, revisionRuns } from "./exported-items.js";
import type { SuccessorNames } from "../successors.js";

/** Memories read per query while exporting: one round trip per page (fewer when their contents reach PAGE_BYTES). */
const EXPORT_PAGE_SIZE = 200;

/**
 * The highest revision an import may bring: revisions are 64-bit (bigint in the table, int64
 * in the API, bigint in the server), and 2^62 leaves 2^62 updates before the column's limit.
 */
export const MAX_IMPORTED_REVISION = 2n ** 62n;

export interface MemoryTransferDeps {
  em: EntityManager;
  revisions: (em: EntityManager) => MemoryRevisionRepository;
  successors: SuccessorNames;
  /**
   * The vector size kept for vectors of this model, or null when they are not kept (the memory
   * waits for this server's embedder instead).
   */
  vectorSizeOf: (model: string) => number | null;
  now: () => Date;
  /** Called after an import left memories PENDING, so the embedding worker looks at once. */
  onPending?: () => void;
  /** Called with the number of memories an import wrote (for table statistics). */
  onWritten?: (count: number) => void;
  /** Finds the facts of imported contents whose mentions the export did not carry (contentFacts unless given). */
  extract?: ContentExtraction;
}

/**
 * Export and import: a workspace's memories out as they are stored, and back in, on this
 * server or another, with nothing renamed, renumbered or re-timed.
 */
export class MemoryTransfer {
  constructor(private readonly deps: MemoryTransferDeps) {}

  /**
   * Page by page, oldest first; memories written meanwhile appear when they sort after the page
   * read. A page ends at 200 memories or at the one whose content brings it to PAGE_BYTES, and its
   * revisions are read REVISIONS_PER_READ at a time (exported-items.ts).
   */
  async *export(viewer: Viewer, q: Omit<ExportQuery, "after" | "limit">): AsyncGenerator<ExportMemoriesResponse> {
    let after: ExportQuery["after"];
    const em = () => this.deps.em.fork();
    const reads = {
      em,
      revisions: this.deps.revisions,
      successors: this.deps.successors,
      entities: new ExportedEntities(em, viewer.workspaceId),
      merges: new ExportedMerges(em, viewer.workspaceId),
    };
    for (;;) {
      const now = this.deps.now();
      const { rows: page, cut } = await new MemoryTransferRepository(em()).page({
        viewer,
        query: { ...q, after, limit: EXPORT_PAGE_SIZE },
        now,
      });
      for (const run of revisionRuns(page)) yield* await exportedItems(reads, viewer, run, now);
      const last = page.at(-1);
      if (last === undefined || (page.length < EXPORT_PAGE_SIZE && !cut)) return;
      after = { createTime: last.record.createTime, id: last.record.id };
    }
  }

  /** All of them or none, into the viewer's workspace, with their history. */
  async import(viewer: Viewer, items: ExportMemoriesResponse[]): Promise<ImportMemoriesResponse> {
    const { workspaceId } = viewer;
    const now = this.deps.now();
    const change = changeBy(viewer, "imported");
    const memories = items.map((item, i) => this.toTransferred(item, `memories[${i}]`, now, change));
    const histories = items.map((item, i) => importedRevisions(item, workspaceId, `memories[${i}]`, now));
    refuseRepeats(memories);
    let written;
    try {
      written = await this.deps.em.fork().transactional(async (tem) => {
        await importMerges(tem, workspaceId, items);
        const stored = await new MemoryTransferRepository(tem, this.deps.extract).store(workspaceId, memories);
        const kept = histories.filter((_, i) => stored.has(memories[i]?.id ?? "")).flat();
        await this.deps.revisions(tem).store(workspaceId, kept);
        await importEntities(tem, workspaceId, items, now);
        return stored;
      });
    } catch (err) {
      if (isNaturalKeyTaken(err)) throw await this.keyTaken(workspaceId, memories, err);
      throw err;
    }
    const stored = memories.filter((m) => written.has(m.id));
    if (stored.some((m) => m.vector === null)) this.deps.onPending?.();
    if (stored.length > 0) this.deps.onWritten?.(stored.length);
    const replaced = [...written.values()].filter((as) => as === "replaced").length;
    return create(ImportMemoriesResponseSchema, {
      created: written.size - replaced,
      replaced,
      unchanged: memories.length - written.size,
      vectorsKept: stored.filter((m) => m.vector !== null).length,
    });
  }

  private toTransferred(item: ExportMemoriesResponse, field: string, now: Date, change: Change): TransferredMemory {
    const memory = requiredField(item.memory, `${field}.memory`);
    if (!isUuid(memory.id)) {
      throw invalidArgument(`${field}.memory.id`, "INVALID_MEMORY_ID", "must be a memory id (a UUID)");
    }
    const { revision } = memory;
    if (revision > MAX_IMPORTED_REVISION) {
      throw invalidArgument(
        `${field}.memory.revision`,
        "REVISION_OUT_OF_RANGE",
        `must be at most ${MAX_IMPORTED_REVISION}, which leaves room for later updates`,
      );
    }
    const draft = toDraft(memory, emptyToNull(memory.agentId), { now }, `${field}.memory`);
    const createTime = memory.createTime ? truncatedDate(memory.createTime) : now;
    return {
      id: memory.id.toLowerCase(),
      draft,
      revision: revision < 1n ? 1n : revision,
      createTime,
      updateTime: memory.updateTime ? truncatedDate(memory.updateTime) : createTime,
      deleteTime: deleteTimeOf(memory, now),
      forgetReason: emptyToNull(memory.forgetReason),
      supersededBy: supersededByOf(memory, `${field}.memory`),
      change,
      vector: this.keptVector(item.embedding, memory.embeddingModel, field),
      contentMentions: mentionsFromProto(memory.mentions).filter((m) => m.role === "content"),
    };
  }

  /** The exported vector when this server keeps vectors of its model; a malformed one is refused. */
  private keptVector(values: number[], model: string, field: string): TransferredMemory["vector"] {
    if (values.length === 0) return null;
    if (!values.every(Number.isFinite)) {
      throw invalidArgument(`${field}.embedding`, "INVALID_EMBEDDING", "every value must be a finite number");
    }
    if (model === "") {
      throw invalidArgument(`${field}.memory.embedding_model`, "EMBEDDING_MODEL_REQUIRED", "name the vector's model");
    }
    const size = this.deps.vectorSizeOf(model);
    if (size === null) return null;
    if (values.length !== size) {
      throw invalidArgument(
        `${field}.embedding`,
        "INVALID_EMBEDDING",
        `${model} vectors have ${size} values, not ${values.length}`,
      );
    }
    return { values, model };
  }

  /** Which memory's natural key another memory of the workspace already holds. */
  private async keyTaken(workspaceId: string, memories: TransferredMemory[], cause: unknown): Promise<Error> {
    const transfers = new MemoryTransferRepository(this.deps.em.fork());
    for (const [i, m] of memories.entries()) {
      if (m.draft.key === null) continue;
      const holder = await transfers.naturalKeyHolder({ workspaceId, id: m.id, draft: m.draft });
      if (holder !== null) {
        const field = `memories[${i}].memory.key`;
        const description = `memory ${holder} already has this agent, subject, kind and key`;
        return new DomainError("already_exists", "KEY_TAKEN", `${field}: ${description}`, [{ field, description }]);
      }
    }
    return cause instanceof Error ? cause : new Error(String(cause));
  }
}

/** When a memory was deleted: as exported, or now for one that says DELETED without a time. */
function deleteTimeOf(memory: Memory, now: Date): Date | null {
  if (memory.deleteTime !== undefined) return truncatedDate(memory.deleteTime);
  return memory.state === MemoryState.DELETED ? now : null;
}

/** One row per id and per natural key: a file that repeats one is refused rather than half-applied. */
function refuseRepeats(memories: TransferredMemory[]): void {
  const ids = new Set<string>();
  const keys = new Set<string>();
  for (const [i, m] of memories.entries()) {
    if (ids.has(m.id)) {
      throw invalidArgument(`memories[${i}].memory.id`, "DUPLICATE_MEMORY_ID", "an earlier memory has this id");
    }
    ids.add(m.id);
    if (m.draft.key === null) continue;
    const { agentId, subjectType, subjectId, kind, key } = m.draft;
    const naturalKey = JSON.stringify([agentId, subjectType, subjectId, kind, key]);
    if (keys.has(naturalKey)) {
      throw invalidArgument(
        `memories[${i}].memory.key`,
        "DUPLICATE_KEY",
        "an earlier memory has this agent, subject, kind and key",
      );
    }
    keys.add(naturalKey);
  }
}
