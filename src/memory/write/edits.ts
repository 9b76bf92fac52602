import type { EntityManager } from "@mikro-orm/sql";
import type {
  DeleteMemoryRequest,
  UndeleteMemoryRequest,
  UpdateMemoryRequest,
} from "../../../gen/ts/engram/v1/memory_service_pb.js";
import type { Viewer } from "../../auth/principal.js";
import { assertCanModify } from "../../auth/visibility.js";
import type { WriteEmbedding } from "../../embedding/embeddings.js";
import { DomainError, invalidArgument, memoryNotFound, requiredField } from "../../errors/domain-error.js";
import { lowInformationReason } from "./guard/low-information.js";
import { etagOf } from "../mapper.js";
import { stateOf, type MemoryRecord } from "../record.js";
import type { MemoryRepository } from "../memory.repository.js";
import type { SupersessionRepository } from "./supersession.repository.js";
import { changeBy } from "../change.js";
import { unsupersededReason } from "../successors.js";
import { applyUpdateMask } from "./update-mask.js";
import type { WriteVectorSource } from "./vectors.js";

export interface MemoryEditsDeps {
  em: EntityManager;
  memories: (em: EntityManager) => MemoryRepository;
  supersessions: (em: EntityManager) => SupersessionRepository;
  vectors: WriteVectorSource;
  /** Called after an edit left a memory PENDING, so the embedding worker looks at once. */
  onPending: () => void;
  /** Called with the number of memories each committed edit changed (for table statistics). */
  onWritten: (count: number) => void;
}

/** What an update did: UNCHANGED when it set every field to what it already was (no revision). */
export interface Edited {
  record: MemoryRecord;
  outcome: "updated" | "unchanged";
}

/** Changes to one memory by id: update by mask and etag, soft delete, undelete, undo of a supersession. */
export class MemoryEdits {
  constructor(private readonly deps: MemoryEditsDeps) {}

  async update(viewer: Viewer, req: UpdateMemoryRequest, now: Date): Promise<Edited> {
    const { em, memories } = this.deps;
    const paths = req.updateMask?.paths ?? [];
    const changes = requiredField(req.memory, "memory");
    const changesContent = paths.includes("content") || paths.includes("*");
    // An update has no outcome to report a rejection in: a content the guard would reject is an error.
    const lowInformation = changesContent ? lowInformationReason(changes.content) : null;
    if (lowInformation !== null) throw invalidArgument("memory.content", "LOW_INFORMATION", lowInformation);
    const { embedded, late } = changesContent
      ? await this.deps.vectors.forContents(viewer.workspaceId, [changes.content])
      : { embedded: new Map<string, WriteEmbedding>(), late: null };
    const updated = await em.fork().transactional(async (tem) => {
      const target = await this.modifiable(tem, viewer, req.id, req.etag);
      // Bad input is INVALID_ARGUMENT whatever the memory's state.
      const draft = applyUpdateMask(target, changes, paths, now);
      if (stateOf(target, now) === "deleted") {
        throw new DomainError(
          "failed_precondition",
          "MEMORY_DELETED",
          `memory ${req.id} is deleted; undelete it first`,
        );
      }
      const replaced = await memories(tem).replace({
        target,
        draft,
        embedded: embedded.get(draft.content) ?? null,
        now,
        change: changeBy(viewer, "updated"),
      });
      return replaced === null
        ? { record: target, outcome: "unchanged" as const }
        : { record: replaced, outcome: "updated" as const };
    });
    this.deps.vectors.attachLate(late);
    if (updated.outcome === "unchanged") return updated;
    if (updated.record.embeddingStatus === "pending") this.deps.onPending();
    this.deps.onWritten(1);
    return updated;
  }

  /** Undoes the memory's supersession: FAILED_PRECONDITION when it is not superseded. */
  async unsupersede(viewer: Viewer, id: string, now: Date): Promise<MemoryRecord> {
    const record = await this.deps.em.fork().transactional(async (tem) => {
      const target = await this.modifiable(tem, viewer, id, "");
      if (target.supersededBy === null) {
        throw new DomainError("failed_precondition", "NOT_SUPERSEDED", `memory ${id} is not superseded`);
      }
      const change = changeBy(viewer, "unsuperseded", unsupersededReason(target.supersededBy));
      return this.deps.supersessions(tem).unsupersede({ target, now, change });
    });
    this.deps.onWritten(1);
    return record;
  }

  async delete(viewer: Viewer, req: DeleteMemoryRequest, now: Date): Promise<MemoryRecord> {
    return this.markDeleted(viewer, req.id, req.etag, true, req.reason === "" ? null : req.reason, now);
  }

  async undelete(viewer: Viewer, req: UndeleteMemoryRequest, now: Date): Promise<MemoryRecord> {
    return this.markDeleted(viewer, req.id, "", false, null, now);
  }

  /** Soft-deletes or restores a memory (nothing to do when it already is); onWritten hears of it once committed. */
  private async markDeleted(
    viewer: Viewer,
    id: string,
    etag: string,
    deleted: boolean,
    reason: string | null,
    now: Date,
  ): Promise<MemoryRecord> {
    const { record, changed } = await this.deps.em.fork().transactional(async (tem) => {
      const target = await this.modifiable(tem, viewer, id, etag);
      if ((target.deleteTime !== null) === deleted) return { record: target, changed: false };
      const memories = this.deps.memories(tem);
      const change = changeBy(viewer, deleted ? "deleted" : "undeleted", reason);
      return {
        record: await memories.setDeleted({ target, deleteTime: deleted ? now : null, now, change }),
        changed: true,
      };
    });
    // After the commit, as onWritten's contract says: a rolled-back change wrote nothing.
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
}
