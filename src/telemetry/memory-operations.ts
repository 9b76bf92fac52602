import type { Attributes } from "@opentelemetry/api";
import { ATTR } from "./attributes.js";

/**
 * The GenAI conventions' memory operations (gen_ai.operation.name) that Engram's methods are. A
 * write is an upsert: a keyed memory is replaced, and a near duplicate merges. Methods that are
 * none of these (reads by id, lists, history, the graph) carry no operation.
 */
const OPERATIONS: Readonly<Record<string, string>> = {
  SearchMemories: "search_memory",
  WriteMemory: "upsert_memory",
  BatchWriteMemories: "upsert_memory",
  UpdateMemory: "update_memory",
  DeleteMemory: "delete_memory",
  EraseMemories: "delete_memory",
};

/** The operation and, for a call about one memory, its id; never anything a memory says. */
export function memoryOperation(method: string, message: unknown): Attributes {
  const operation = OPERATIONS[method];
  if (operation === undefined) return {};
  const attributes: Attributes = { [ATTR.genAiOperation]: operation };
  const id = recordIdOf(message);
  if (id !== null) attributes[ATTR.memoryRecord] = id;
  return attributes;
}

/** The id a request names at its top level (UpdateMemory's is inside its memory). */
function recordIdOf(message: unknown): string | null {
  if (typeof message !== "object" || message === null) return null;
  const { id, memory } = message as { id?: unknown; memory?: { id?: unknown } };
  const named = typeof id === "string" && id !== "" ? id : memory?.id;
  return typeof named === "string" && named !== "" ? named : null;
}
