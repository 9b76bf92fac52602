import { create, toJson } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  MemoryChange,
  MemoryRevisionSchema,
  MemorySchema,
  type Memory,
  type MemoryRevision,
} from "../../gen/ts/engram/v1/memory_pb.js";
import type { ChangeKind } from "../memory/change.js";
import { toProto } from "../memory/mapper.js";
import type { StoredRevision } from "./revision.repository.js";

const CHANGES: Record<ChangeKind, MemoryChange> = {
  created: MemoryChange.CREATED,
  updated: MemoryChange.UPDATED,
  upserted: MemoryChange.UPSERTED,
  revived: MemoryChange.REVIVED,
  merged: MemoryChange.MERGED,
  deleted: MemoryChange.DELETED,
  undeleted: MemoryChange.UNDELETED,
  superseded: MemoryChange.SUPERSEDED,
  unsuperseded: MemoryChange.UNSUPERSEDED,
  expired: MemoryChange.EXPIRED,
  imported: MemoryChange.IMPORTED,
};

const KINDS = new Map(Object.entries(CHANGES).map(([kind, change]) => [change, kind as ChangeKind]));

/** A change kind as the API names it. */
export function memoryChangeOf(kind: ChangeKind): MemoryChange {
  return CHANGES[kind];
}

export function changeKindOf(change: MemoryChange): ChangeKind {
  return KINDS.get(change) ?? "imported";
}

/** Fields that differ on every change, and so say nothing about what it changed. */
const BOOKKEEPING = new Set(["revision", "etag", "update_time"]);

/**
 * Revisions as the API returns them, newest first; each names the fields that differ from the
 * next older one. The oldest of the page is compared with `older`, the revision below the page,
 * when there is one.
 */
export function toRevisionProtos(revisions: readonly StoredRevision[], older: StoredRevision | null): MemoryRevision[] {
  const memories = revisions.map((r) => toProto(r.record, r.changeTime));
  const olderMemory = older === null ? null : toProto(older.record, older.changeTime);
  return revisions.map((r, i) => {
    const previous = memories[i + 1] ?? (i === revisions.length - 1 ? olderMemory : null);
    const memory = memories[i] as Memory;
    return create(MemoryRevisionSchema, {
      revision: r.record.revision,
      change: CHANGES[r.change],
      changeTime: timestampFromDate(r.changeTime),
      keyId: r.keyId ?? "",
      agentId: r.agentId ?? "",
      reason: r.reason ?? "",
      memory,
      changedFields: previous === null ? [] : changedFields(previous, memory),
    });
  });
}

/** The proto names of the Memory fields whose values differ between two memories. */
function changedFields(before: Memory, after: Memory): string[] {
  const a = toJson(MemorySchema, before, { useProtoFieldName: true }) as Record<string, unknown>;
  const b = toJson(MemorySchema, after, { useProtoFieldName: true }) as Record<string, unknown>;
  return MemorySchema.fields
    .map((f) => f.name)
    .filter((name) => !BOOKKEEPING.has(name) && JSON.stringify(a[name]) !== JSON.stringify(b[name]));
}
