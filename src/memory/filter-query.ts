import type { JsonObject } from "@bufbuild/protobuf";
import type { MemoryFilter } from "../../gen/ts/engram/v1/memory_pb.js";
import { invalidArgument } from "../errors/domain-error.js";
import type { FilterQuery, ListQuery, OrderField } from "./filters.js";
import { truncatedDate, visibilityValue } from "./mapper.js";

/**
 * A MemoryFilter as the queries take it (filters.ts): empty strings and unset enums mean
 * "any". `agent_id` is not part of it: List and Search read it as the acting agent, Export as
 * the owner to keep.
 */
export function toFilterQuery(filter: MemoryFilter | undefined): FilterQuery {
  return {
    subjectType: nonEmpty(filter?.subjectType),
    subjectId: nonEmpty(filter?.subjectId),
    kinds: filter?.kinds ?? [],
    tags: filter?.tags ?? [],
    anyTags: filter?.anyTags ?? [],
    ownerAgentIds: filter?.ownerAgentIds ?? [],
    linkedEntity: filter?.linkedEntityType ? { type: filter.linkedEntityType, id: filter.linkedEntityId } : undefined,
    mentions: filter?.mentions ? { type: filter.mentions.type, id: filter.mentions.id } : undefined,
    visibility: filter?.visibility ? visibilityValue(filter.visibility) : undefined,
    key: nonEmpty(filter?.key),
    showDeleted: filter?.showDeleted ?? false,
    showExpired: filter?.showExpired ?? false,
    includeSuperseded: filter?.includeSuperseded ?? false,
    validAt: filter?.validAt === undefined ? undefined : truncatedDate(filter.validAt),
    metadata: metadataOf(filter?.metadata),
  };
}

/** The most keys, and characters as JSON, a metadata filter may have (MemoryFilter.metadata). */
export const MAX_METADATA_FILTER_KEYS = 32;
export const MAX_METADATA_FILTER_CHARS = 4096;

/** filter.metadata, within its bounds; an empty object filters nothing. */
function metadataOf(metadata: JsonObject | undefined): JsonObject | undefined {
  if (metadata === undefined || Object.keys(metadata).length === 0) return undefined;
  if (Object.keys(metadata).length > MAX_METADATA_FILTER_KEYS) {
    throw invalidArgument("filter.metadata", "FILTER_TOO_LARGE", `at most ${MAX_METADATA_FILTER_KEYS} keys`);
  }
  if (JSON.stringify(metadata).length > MAX_METADATA_FILTER_CHARS) {
    throw invalidArgument(
      "filter.metadata",
      "FILTER_TOO_LARGE",
      `at most ${MAX_METADATA_FILTER_CHARS} characters as JSON`,
    );
  }
  return metadata;
}

/** Export's reading of a MemoryFilter: its agent_id keeps one owner agent's memories. */
export function toExportQuery(filter: MemoryFilter | undefined): FilterQuery & { ownerAgentId?: string } {
  return { ...toFilterQuery(filter), ownerAgentId: nonEmpty(filter?.agentId) };
}

export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/** ListMemories' order_by ("create_time desc" when empty), which protovalidate has checked. */
export function parseOrderBy(orderBy: string): ListQuery["order"] {
  if (orderBy === "") return { field: "create_time", descending: true };
  const [field, direction] = orderBy.split(" ");
  return { field: field as OrderField, descending: direction === "desc" };
}
