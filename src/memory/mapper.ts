import { create, type JsonObject } from "@bufbuild/protobuf";
import { timestampFromDate, type Duration, type Timestamp } from "@bufbuild/protobuf/wkt";
import {
  EmbeddingStatus,
  MemorySchema,
  MemoryState,
  Provenance,
  Visibility,
  type Memory,
} from "../../gen/ts/engram/v1/memory_pb.js";
import { invalidArgument } from "../errors/domain-error.js";
import { mentionsToProto, relationsFromProto, relationsToProto } from "../graph/memory-graph-fields.js";
import { stateOf, type MemoryDraft, type MemoryRecord, type VisibilityValue } from "./record.js";

export const METADATA_MAX_BYTES = 64 * 1024;

/**
 * The writable fields of a request's memory, normalised. Limits that protovalidate can
 * declare, and what Postgres cannot store (NUL, lone surrogates, out-of-range timestamps
 * and floats), are checked before this runs; the encoded size of metadata and the expiry
 * that a ttl works out to are checked here.
 */
export function toDraft(
  memory: Memory,
  agentId: string | null,
  expiry: { ttl?: Duration | undefined; now: Date },
  field = "memory",
): MemoryDraft {
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
    relations: relationsFromProto(memory.relations),
    confidence: memory.confidence ?? 1,
    sourceKind: emptyToNull(memory.sourceKind),
    sourceId: emptyToNull(memory.sourceId),
    provenance: provenanceValue(memory.provenance),
    parentMemoryId: emptyToNull(memory.parentMemoryId),
    // The request's ttl sits beside its memory: requests[2].memory -> requests[2].ttl.
    expireTime: expireTimeOf(memory.expireTime, expiry.ttl, expiry.now, field.replace(/memory$/, "ttl")),
    // valid_from defaults to the create time, stored as null; checkValidity judges the window.
    validFrom: memory.validFrom === undefined ? null : truncatedDate(memory.validFrom),
    validUntil: memory.validUntil === undefined ? null : truncatedDate(memory.validUntil),
  };
}

/** INVALID_ARGUMENT naming valid_until when the window ends before it starts (valid_from, else `createTime`). */
export function checkValidity(
  window: Pick<MemoryDraft, "validFrom" | "validUntil">,
  createTime: Date,
  field = "memory",
): void {
  const from = window.validFrom ?? createTime;
  if (window.validUntil !== null && window.validUntil < from) {
    throw invalidArgument(
      `${field}.valid_until`,
      "VALIDITY_WINDOW_REVERSED",
      window.validFrom === null
        ? "valid_until is before the create time, which is valid_from when not given; give valid_from too"
        : "valid_until must not be before valid_from",
    );
  }
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
    state: STATES[state],
    embeddingStatus: EMBEDDING_STATUS[record.embeddingStatus],
    embeddingModel: record.embeddingModel ?? "",
    revision: record.revision,
    etag: etagOf(record),
    createTime: timestampFromDate(record.createTime),
    updateTime: timestampFromDate(record.updateTime),
    deleteTime: optionalTimestamp(record.deleteTime),
    validFrom: timestampFromDate(record.validFrom ?? record.createTime),
    validUntil: optionalTimestamp(record.validUntil),
    supersededBy: record.supersededBy ?? "",
    mentions: mentionsToProto(record.mentions),
    relations: relationsToProto(record.relations),
  });
}

const STATES = {
  active: MemoryState.ACTIVE,
  expired: MemoryState.EXPIRED,
  deleted: MemoryState.DELETED,
  superseded: MemoryState.SUPERSEDED,
} as const;

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

/** The first instant a Timestamp (and its JSON form) cannot express: year 10000. */
const END_OF_TIMESTAMPS_MS = Date.UTC(10_000, 0, 1);

function expireTimeOf(
  expireTime: Timestamp | undefined,
  ttl: Duration | undefined,
  now: Date,
  ttlField: string,
): Date | null {
  if (ttl !== undefined) {
    const ms = Number(ttl.seconds) * 1000 + Math.floor(ttl.nanos / 1e6);
    const at = now.getTime() + ms;
    if (!(at < END_OF_TIMESTAMPS_MS)) {
      throw invalidArgument(ttlField, "TTL_OUT_OF_RANGE", "now + ttl must be before the year 10000");
    }
    return new Date(at);
  }
  return expireTime === undefined ? null : truncatedDate(expireTime);
}

/**
 * To the millisecond, rounding down: timestampDate rounds to nearest, which takes the last instant
 * a Timestamp can hold (9999-12-31T23:59:59.999999999Z) into year 10000.
 */
export function truncatedDate(timestamp: Timestamp): Date {
  return new Date(Number(timestamp.seconds) * 1000 + Math.floor(timestamp.nanos / 1e6));
}

function optionalTimestamp(date: Date | null): Timestamp | undefined {
  return date === null ? undefined : timestampFromDate(date);
}

export function emptyToNull(value: string): string | null {
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
