import { uniqueRelations } from "../../graph/memory-graph-fields.js";
import { uniqueEntities } from "../mapper.js";
import type { MemoryDraft, MemoryRecord } from "../record.js";

/**
 * A keyless write that repeats an active memory folds into it: tags, linked entities, relations and
 * metadata are unioned (the newer metadata wins per key), confidence takes the maximum, and
 * the memory lives as long as the longer-lived of the two.
 */
export function mergeDrafts(target: MemoryRecord, incoming: MemoryDraft): MemoryDraft {
  return {
    ...target,
    tags: [...new Set([...target.tags, ...incoming.tags])],
    linkedEntities: uniqueEntities([...target.linkedEntities, ...incoming.linkedEntities]),
    relations: uniqueRelations([...target.relations, ...incoming.relations]),
    metadata: { ...target.metadata, ...incoming.metadata },
    confidence: Math.max(target.confidence, incoming.confidence),
    expireTime:
      target.expireTime === null || incoming.expireTime === null
        ? null
        : new Date(Math.max(target.expireTime.getTime(), incoming.expireTime.getTime())),
  };
}
