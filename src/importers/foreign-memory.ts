import { create } from "@bufbuild/protobuf";
import { timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { v5 as uuidv5 } from "uuid";
import { MemoryChange, type Memory } from "../../gen/ts/engram/v1/memory_pb.js";
import { ExportMemoriesResponseSchema, type ExportMemoriesResponse } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { isUuid } from "../ids.js";
import type { z } from "zod";

/*
 * What every importer from another memory system shares: each source memory becomes the item
 * `engram export` would have written for it, so `engram import` stores it as it stores its own,
 * ids, times and history included, and a second import of the same file changes nothing.
 */

/** The namespace of the ids derived for source ids that are not UUIDs (fixed: the same file gives the same ids). */
const DERIVED_IDS = "bfbab33d-92d1-424a-aac8-14ebf7ab8803";

/** The source's id when it is a UUID, else one derived from it and the system's name, always the same. */
export function importedId(system: string, sourceId: string): string {
  return isUuid(sourceId) ? sourceId.toLowerCase() : uuidv5(`${system}:${sourceId}`, DERIVED_IDS);
}

/** A file this importer cannot read: says where and why, before anything is imported. */
export class ForeignFormatError extends Error {}

/** The file's JSON, parsed once more when it is a JSON string holding JSON (Letta writes some so). */
export function parsedJson(text: string, file: string): unknown {
  const parse = (json: string) => {
    try {
      return JSON.parse(json) as unknown;
    } catch (err) {
      throw new ForeignFormatError(`${file}: not JSON (${err instanceof Error ? err.message : String(err)})`);
    }
  };
  const value = parse(text);
  return typeof value === "string" ? parse(value) : value;
}

/** The value as `schema` reads it, or the first problems found, each with its path (after `at`). */
export function checked<T extends z.ZodType>(
  schema: T,
  value: unknown,
  file: string,
  what: string,
  at = "",
): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 3).map((issue) => {
    const path = at + issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
    return `${path === "" ? "(top)" : path.replace(/^\./, "")}: ${issue.message}`;
  });
  throw new ForeignFormatError(`${file}: not ${what}: ${problems.join("; ")}`);
}

/** The value's `key` when it is an object that has one. */
export function fieldOf(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/** An ISO 8601 time (any offset) as a Timestamp; none for null or absent. */
export function timeOf(value: string | null | undefined, where: string): Timestamp | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new ForeignFormatError(`${where}: not a time: ${JSON.stringify(value)}`);
  return timestampFromDate(date);
}

/** A memory's fields as an importer fills them: the id always, the rest as the source has them. */
export type ForeignMemory = Partial<Omit<Memory, "$typeName" | "$unknown">> & { id: string };

/** One state of the memory in its source's history, oldest first. */
export interface ForeignRevision {
  change: MemoryChange;
  time: Timestamp | undefined;
  memory: ForeignMemory;
}

/**
 * The item for a memory as it stands (`memory`) and its history (`history`, oldest first; when
 * empty, one revision: its creation). The memory's revision is its history's length.
 */
export function foreignItem(memory: ForeignMemory, history: ForeignRevision[] = []): ExportMemoriesResponse {
  const states: ForeignRevision[] =
    history.length > 0 ? history : [{ change: MemoryChange.CREATED, time: memory.createTime, memory }];
  const revision = BigInt(states.length);
  return create(ExportMemoriesResponseSchema, {
    memory: { ...memory, revision },
    revisions: states
      .map((state, i) => ({
        revision: BigInt(i + 1),
        change: state.change,
        changeTime: state.time,
        agentId: state.memory.agentId ?? "",
        memory: { ...state.memory, id: memory.id, revision: BigInt(i + 1) },
      }))
      .reverse(),
  });
}
