import { create, type JsonObject } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  EntityOrder,
  EntityMergeSchema,
  EntitySchema,
  GraphEdgeSchema,
  type Entity,
  type EntityMerge,
  type GraphEdge,
  type GraphTime as GraphTimeProto,
} from "../../gen/ts/engram/v1/entity_service_pb.js";
import { DomainError } from "../errors/domain-error.js";
import { truncatedDate } from "../memory/mapper.js";
import type { Edge } from "./edge.repository.js";
import type { EntityMergeRecord } from "./entity-merge.repository.js";
import type { EntityOrderValue } from "./entity-sql.js";
import type { EntityRef, SeenEntity } from "./entity.repository.js";
import type { GraphTime } from "./graph-source.js";

export function entityToProto(entity: SeenEntity): Entity {
  return create(EntitySchema, {
    ref: { type: entity.type, id: entity.id },
    name: entity.name,
    aliases: entity.aliases,
    attributes: entity.attributes as JsonObject,
    mentionCount: BigInt(entity.mentionCount),
    firstSeen: timestampFromDate(entity.firstSeen),
    lastSeen: timestampFromDate(entity.lastSeen),
  });
}

export function edgeToProto(edge: Edge): GraphEdge {
  return create(GraphEdgeSchema, {
    subject: edge.subject,
    predicate: edge.predicate,
    object: edge.object,
    weight: edge.weight,
    memoryIds: edge.memoryIds,
  });
}

/** A request's time: as_of when given, and valid_at defaulting to as_of, else now. */
export function graphTimeOf(time: GraphTimeProto | undefined, now: Date): GraphTime {
  const asOf = time?.asOf === undefined ? null : truncatedDate(time.asOf);
  const validAt = time?.validAt === undefined ? (asOf ?? now) : truncatedDate(time.validAt);
  return { validAt, asOf };
}

export const ENTITY_ORDERS: Record<EntityOrder, EntityOrderValue> = {
  [EntityOrder.UNSPECIFIED]: "last_seen",
  [EntityOrder.LAST_SEEN]: "last_seen",
  [EntityOrder.MENTION_COUNT]: "mention_count",
  [EntityOrder.NAME]: "name",
};

/** The same answer whether the entity exists or only memories the caller may not read mention it. */
export function entityNotFound(ref: EntityRef): DomainError {
  return new DomainError("not_found", "ENTITY_NOT_FOUND", `entity ${ref.type}/${ref.id} not found`);
}

export function mergeToProto(merge: EntityMergeRecord): EntityMerge {
  return create(EntityMergeSchema, {
    id: merge.id,
    from: merge.from,
    into: merge.into,
    createTime: timestampFromDate(merge.createTime),
    undoTime: merge.undoTime === null ? undefined : timestampFromDate(merge.undoTime),
  });
}
