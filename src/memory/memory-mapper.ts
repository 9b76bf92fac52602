import { create, type JsonObject } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate, type Duration, type Timestamp } from "@bufbuild/protobuf/wkt";
import {
  EmbeddingStatus,
  MemorySchema,
  MemoryState,
  Provenance,
  Visibility,
  type Memory,
} from "../../gen/ts/engram/v1/memory_pb.js";
import { DomainError, invalidArgument } from "../errors.js";
import { stateOf, type MemoryDraft, type MemoryRecord, type VisibilityValue } from "./memory-record.js";

export const METADATA_MAX_BYTES = 64 * 1024;

/**
 * The writable fields of a request's memory, normalised. Limits that protovalidate can
 * declare are checked before this runs; the encoded size of metadata is checked here.
 */
export function toDraft(
  memory: Memory,
  agentId: string | null,
  expiry: { ttl?: Duration | undefined; now: Date },
  field = "memory",
): MemoryDraft {
  if (JSON.stringify(memory, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v)).includes("\\u0000")) {
    // Postgres text and jsonb cannot hold NUL characters.
    throw invalidArgument(field, "NUL_CHARACTER", "text fields and metadata must not contain NUL (\\u0000) characters");
  }
  const metadata = memory.metadata ?? {};
  const metadataBytes = Buffer.byteLength(JSON.stringify(metadata));
  if (metadataBytes > METADATA_MAX_BYTES) {
    throw invalidArgument(
      `${field}.metadata`,
      "METADATA_TOO_LARGE",
      `metadata is ${metadataBytes} bytes encoded; the limit is ${METADATA_MAX_BYTES}`,
    );
  }
  return {
    agentId,
    subjectType: memory.subjectType,
    subjectId: emptyToNull(memory.subjectId),
    kind: memory.kind,
    key: emptyToNull(memory.key),
    content: memory.content,
    title: memory.title,
    visibility: visibilityValue(memory.visibility),
    metadata,
    tags: [...new Set(memory.tags)],
    linkedEntities: uniqueEntities(memory.linkedEntities.map((e) => ({ type: e.type, id: e.id }))),
    confidence: memory.confidence ?? 1,
    sourceKind: emptyToNull(memory.sourceKind),
    sourceId: emptyToNull(memory.sourceId),
    provenance: provenanceValue(memory.provenance),
    parentMemoryId: emptyToNull(memory.parentMemoryId),
    expireTime: expireTimeOf(memory.expireTime, expiry.ttl, expiry.now),
  };
}

export function toProto(record: MemoryRecord, now: Date): Memory {
  const state = stateOf(record, now);
  return create(MemorySchema, {
    id: record.id,
    workspaceId: record.workspaceId,
    agentId: record.agentId ?? "",
    subjectType: record.subjectType,
    subjectId: record.subjectId ?? "",
    kind: record.kind,
    key: record.key ?? "",
    content: record.content,
    title: record.title,
    visibility: record.visibility === "shared" ? Visibility.SHARED : Visibility.PRIVATE,
    metadata: record.metadata as JsonObject,
    linkedEntities: record.linkedEntities,
    tags: record.tags,
    confidence: record.confidence,
    sourceKind: record.sourceKind ?? "",
    sourceId: record.sourceId ?? "",
    provenance:
      record.provenance === null
        ? Provenance.UNSPECIFIED
        : (Provenance[record.provenance.toUpperCase() as keyof typeof Provenance] ?? Provenance.UNSPECIFIED),
    parentMemoryId: record.parentMemoryId ?? "",
    expireTime: optionalTimestamp(record.expireTime),
    forgetReason: record.forgetReason ?? "",
    state: state === "active" ? MemoryState.ACTIVE : state === "expired" ? MemoryState.EXPIRED : MemoryState.DELETED,
    embeddingStatus: EMBEDDING_STATUS[record.embeddingStatus],
    embeddingModel: record.embeddingModel ?? "",
    revision: BigInt(record.revision),
    etag: etagOf(record),
    createTime: timestampFromDate(record.createTime),
    updateTime: timestampFromDate(record.updateTime),
    deleteTime: optionalTimestamp(record.deleteTime),
  });
}

/** Changes with every revision; clients send it back to make an update conditional. */
export function etagOf(record: Pick<MemoryRecord, "id" | "revision">): string {
  return `W/"${record.revision}"`;
}

const EMBEDDING_STATUS = {
  attached: EmbeddingStatus.ATTACHED,
  pending: EmbeddingStatus.PENDING,
  failed: EmbeddingStatus.FAILED,
} as const;

export function visibilityValue(visibility: Visibility): VisibilityValue {
  return visibility === Visibility.SHARED ? "shared" : "private";
}

function provenanceValue(provenance: Provenance): string | null {
  return provenance === Provenance.UNSPECIFIED ? null : Provenance[provenance].toLowerCase();
}

function expireTimeOf(expireTime: Timestamp | undefined, ttl: Duration | undefined, now: Date): Date | null {
  if (ttl !== undefined) {
    const ms = Number(ttl.seconds) * 1000 + Math.floor(ttl.nanos / 1e6);
    const at = new Date(now.getTime() + ms);
    if (Number.isNaN(at.getTime())) {
      throw new DomainError("invalid_argument", "TTL_OUT_OF_RANGE", "ttl is too long", [
        { field: "ttl", description: "too long" },
      ]);
    }
    return at;
  }
  return expireTime === undefined ? null : timestampDate(expireTime);
}

function optionalTimestamp(date: Date | null): Timestamp | undefined {
  return date === null ? undefined : timestampFromDate(date);
}

function emptyToNull(value: string): string | null {
  return value === "" ? null : value;
}

export function uniqueEntities(entities: { type: string; id: string }[]): { type: string; id: string }[] {
  const seen = new Set<string>();
  return entities.filter((e) => {
    const k = `${e.type}\u0000${e.id}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
