import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { EraseMemoriesRequest } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { invalidArgument } from "../errors/domain-error.js";
import { isUuid } from "../ids.js";
import { nonEmpty, toFilterQuery } from "../memory/filter-query.js";
import type { FilterQuery } from "../memory/filters.js";

/** What an erasure takes: listed ids, or the memories a filter and its bounds match. */
export type ErasureTarget = { ids: string[] } | { selection: ErasureSelection };

export interface ErasureSelection {
  filter: FilterQuery;
  ownerAgentId?: string;
  createdAfter?: Date;
  createdBefore?: Date;
}

/**
 * The request's target, refused (INVALID_ARGUMENT) when it could erase more than its caller can
 * have meant: bounds without a filter, or a filter that narrows nothing (which would take the
 * whole workspace; erase it by subject, owner or time instead). Ids that are not UUIDs cannot
 * name a memory and are kept, to be answered NOT_FOUND as any other unknown id.
 */
export function erasureTarget(req: EraseMemoriesRequest): ErasureTarget {
  const bounds = {
    ownerAgentId: nonEmpty(req.ownerAgentId),
    createdAfter: req.createdAfter === undefined ? undefined : timestampDate(req.createdAfter),
    createdBefore: req.createdBefore === undefined ? undefined : timestampDate(req.createdBefore),
  };
  const bounded = Object.values(bounds).some((v) => v !== undefined);
  if (req.filter === undefined) {
    if (bounded)
      throw invalidArgument("filter", "FILTER_REQUIRED", "owner_agent_id and the created bounds go with a filter");
    return { ids: req.ids };
  }
  const filter = toFilterQuery(req.filter);
  if (!bounded && !narrows(filter)) {
    throw invalidArgument("filter", "EMPTY_FILTER", "the filter narrows nothing: it would erase every memory");
  }
  return { selection: { filter, ...bounds } };
}

/** valid_at is left out: most memories have no validity window, so it alone takes nearly all. */
function narrows(f: FilterQuery): boolean {
  return (
    f.subjectType !== undefined ||
    f.subjectId !== undefined ||
    f.kinds.length > 0 ||
    f.tags.length > 0 ||
    f.anyTags.length > 0 ||
    f.ownerAgentIds.length > 0 ||
    f.linkedEntity !== undefined ||
    f.mentions !== undefined ||
    f.visibility !== undefined ||
    f.key !== undefined ||
    f.metadata !== undefined
  );
}

/** The ids that could name a stored memory. */
export const possibleIds = (ids: readonly string[]): string[] => ids.filter(isUuid).map((id) => id.toLowerCase());
