import type { Memory } from "../../../gen/ts/engram/v1/memory_pb.js";
import { EmbeddingStatus } from "../../../gen/ts/engram/v1/memory_pb.js";
import type { ExportMemoriesResponse } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { invalidArgument, requiredField } from "../../errors/domain-error.js";
import { mentionsFromProto } from "../../graph/memory-graph-fields.js";
import type { RevisionToStore } from "../../history/revision.repository.js";
import { changeKindOf } from "../../history/revision.mapper.js";
import { isUuid } from "../../ids.js";
import { snapshotOf } from "../columns.js";
import { emptyToNull, toDraft, truncatedDate } from "../mapper.js";

/**
 * The history an exported memory carries, checked and made ready to store: each revision must
 * be of that memory, numbered 1 to its revision, each number once.
 */
export function importedRevisions(
  item: ExportMemoriesResponse,
  workspaceId: string,
  field: string,
  now: Date,
): RevisionToStore[] {
  const memory = requiredField(item.memory, `${field}.memory`);
  const seen = new Set<bigint>();
  return item.revisions.map((revision, j) => {
    const at = `${field}.revisions[${j}]`;
    const snapshot = requiredField(revision.memory, `${at}.memory`);
    if (snapshot.id.toLowerCase() !== memory.id.toLowerCase()) {
      throw invalidArgument(
        `${at}.memory.id`,
        "REVISION_OF_ANOTHER_MEMORY",
        `must be ${memory.id}, the memory it is a revision of`,
      );
    }
    if (revision.revision > memory.revision || seen.has(revision.revision)) {
      throw invalidArgument(
        `${at}.revision`,
        "INVALID_REVISION",
        `must be at most the memory's revision (${memory.revision}), and given once`,
      );
    }
    seen.add(revision.revision);
    const changeTime = revision.changeTime ? truncatedDate(revision.changeTime) : now;
    const createTime = snapshot.createTime ? truncatedDate(snapshot.createTime) : changeTime;
    return {
      memoryId: memory.id.toLowerCase(),
      revision: revision.revision,
      change: changeKindOf(revision.change),
      changeTime,
      keyId: emptyToNull(revision.keyId),
      agentId: emptyToNull(revision.agentId),
      reason: emptyToNull(revision.reason),
      snapshot: snapshotOf({
        ...toDraft(snapshot, emptyToNull(snapshot.agentId), { now }, `${at}.memory`),
        workspaceId,
        id: memory.id.toLowerCase(),
        forgetReason: emptyToNull(snapshot.forgetReason),
        mentions: mentionsFromProto(snapshot.mentions),
        embeddingModel: emptyToNull(snapshot.embeddingModel),
        embeddingStatus: snapshot.embeddingStatus === EmbeddingStatus.ATTACHED ? "attached" : "pending",
        revision: revision.revision,
        createTime,
        updateTime: snapshot.updateTime ? truncatedDate(snapshot.updateTime) : changeTime,
        deleteTime: snapshot.deleteTime ? truncatedDate(snapshot.deleteTime) : null,
        supersededBy: supersededByOf(snapshot, `${at}.memory`),
      }),
    };
  });
}

/** An exported memory's successor: a memory id, or none. */
export function supersededByOf(memory: Memory, field: string): string | null {
  if (memory.supersededBy === "") return null;
  if (!isUuid(memory.supersededBy)) {
    throw invalidArgument(`${field}.superseded_by`, "INVALID_MEMORY_ID", "must be a memory id (a UUID)");
  }
  return memory.supersededBy.toLowerCase();
}
