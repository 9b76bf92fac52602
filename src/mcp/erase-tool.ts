import type { JsonObject } from "@bufbuild/protobuf";
import { MemoryService } from "../../gen/ts/engram/v1/memory_service_pb.js";
import type { MemoryTool } from "./tool.js";

/** erase_memories: EraseMemories, with the words a model needs before it erases anything. */
export const ERASE_TOOL: MemoryTool = {
  name: "erase_memories",
  title: "Erase memories for good",
  description: [
    "Erase memories for good. This cannot be undone. Unlike delete_memory (which hides a memory but keeps it and",
    "its history, and can be revived), erasure removes memories from every store: content, vectors, every",
    "revision, change-log entries, staged writes and entity mentions. Only a receipt is kept: counts per store",
    "and a digest of the erased ids, no content. Use it only when a memory must be gone, e.g. a person asked",
    "to be forgotten. Give ids (up to 1000, all of them yours to change, or nothing is erased) or filter",
    "arguments (subject_type, subject_id, kind, tag, any_tag, linked_entity_type/linked_entity_id, mentions",
    "{type, id}, visibility, key), optionally bounded by owner_agent_id, created_after and created_before; a",
    "filter takes deleted, expired and superseded memories too, and one that narrows nothing is refused. Call",
    "with dry_run=true first: the receipt's counts say what would be erased, and nothing is. Needs a key with",
    "the memory:erase scope; a key bound to an agent erases only that agent's own memories. agent_registry_id",
    "is the acting agent's own id (keys bound to an agent always act as that agent).",
  ].join(" "),
  method: MemoryService.method.eraseMemories,
  // The request's agent_id is the one acting-agent argument, and its owner_agent_id the one owner
  // bound; a filter's state flags are implied.
  hidden: [
    "filter.agent_id",
    "filter.owner_agent_ids",
    "filter.show_deleted",
    "filter.show_expired",
    "filter.include_superseded",
    "filter.valid_at",
  ],
  whole: ["filter.mentions"],
  request: selectionOf,
  answerIsLast: true,
  readOnly: false,
  destructive: true,
  idempotent: false,
};

/**
 * Without ids the arguments select by filter, so that the bounds alone (an owner, a time) are a
 * selection and nothing at all is the server's EMPTY_FILTER; the acting agent then goes where
 * EraseMemories reads it with a filter.
 */
function selectionOf(json: JsonObject): JsonObject {
  if (Array.isArray(json.ids) && json.ids.length > 0) return json;
  const { agent_id, ...rest } = json;
  const filter = (rest.filter as JsonObject | undefined) ?? {};
  return { ...rest, filter: agent_id === undefined ? filter : { ...filter, agent_id } };
}
