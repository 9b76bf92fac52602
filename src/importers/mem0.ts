import type { JsonObject } from "@bufbuild/protobuf";
import { z } from "zod";
import { MemoryChange, Visibility } from "../../gen/ts/engram/v1/memory_pb.js";
import type { ExportMemoriesResponse } from "../../gen/ts/engram/v1/memory_service_pb.js";
import {
  checked,
  fieldOf,
  foreignItem,
  importedId,
  parsedJson,
  timeOf,
  type ForeignMemory,
  type ForeignRevision,
} from "./foreign-memory.js";

/*
 * mem0's memories, as `Memory.get_all` (the open-source library: `{"results": [...]}`, or a bare
 * list before v1.1) and `MemoryClient.get_all` (the platform: a page with `results`) return them,
 * and their history as `Memory.history(memory_id)` returns it (one list per memory, or every
 * memory's events in one list). docs/importers.md says how each field lands.
 */

const text = z.string().nullish();

const Mem0Memory = z.looseObject({
  id: z.string().min(1),
  memory: z.string().min(1).max(50_000),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  created_at: text,
  updated_at: text,
  user_id: text,
  agent_id: text,
  run_id: text,
  // The platform's name for a run.
  session_id: text,
  app_id: text,
  actor_id: text,
  role: text,
  categories: z.array(z.string().min(1).max(119)).max(64).nullish(),
  // The platform's: the last day the memory holds (YYYY-MM-DD).
  expiration_date: text,
});
type Mem0Memory = z.output<typeof Mem0Memory>;

const Mem0Event = z.looseObject({
  memory_id: z.string().min(1),
  event: z.enum(["ADD", "UPDATE", "DELETE"]),
  old_memory: text,
  new_memory: text,
  created_at: text,
  updated_at: text,
  user_id: text,
  agent_id: text,
  session_id: text,
});
type Mem0Event = z.output<typeof Mem0Event>;

export interface Mem0Files {
  memories: { text: string; file: string };
  history?: { text: string; file: string };
  /** The agent owning memories that name none. */
  agentId?: string;
}

/** Every memory of the files, with the history the second one gives; deleted memories come from it alone. */
export function mem0Items({ memories, history, agentId }: Mem0Files): ExportMemoriesResponse[] {
  const value = parsedJson(memories.text, memories.file);
  // get_all's {"results": [...]} (the library since v1.1, the platform's pages), or a bare list.
  const wrapped = !Array.isArray(value);
  const list = checked(
    z.array(Mem0Memory),
    wrapped ? fieldOf(value, "results") : value,
    memories.file,
    "mem0 memories",
    wrapped ? "results" : "",
  );
  const events = history === undefined ? new Map<string, Mem0Event[]>() : eventsByMemory(history);
  const items = list.map((m, i) => {
    const where = `${memories.file}: results[${i}]`;
    const memory = memoryOf(m, agentId, where);
    return withHistory(memory, events.get(m.id) ?? [], `${history?.file}: ${m.id}`);
  });
  const listed = new Set(list.map((m) => m.id));
  for (const [id, ofMemory] of events) {
    if (listed.has(id)) continue;
    // Known only from its history: deleted in mem0 (get_all lists the others).
    const last = ofMemory.at(-1);
    const content = [...ofMemory].reverse().find((e) => e.new_memory ?? e.old_memory);
    if (last === undefined || content === undefined) continue;
    const where = `${history?.file}: ${id}`;
    const memory = memoryOf(
      {
        id,
        memory: content.new_memory ?? content.old_memory ?? "",
        created_at: ofMemory[0]?.created_at,
        updated_at: last.updated_at ?? last.created_at,
        user_id: last.user_id,
        agent_id: last.agent_id,
        session_id: last.session_id,
      },
      agentId,
      where,
    );
    items.push(withHistory(memory, ofMemory, where));
  }
  return items;
}

function eventsByMemory({ text: json, file }: { text: string; file: string }): Map<string, Mem0Event[]> {
  const value = parsedJson(json, file);
  // One list of every memory's events, or history()'s list per memory id.
  const all = Array.isArray(value)
    ? checked(z.array(Mem0Event), value, file, "mem0 history")
    : Object.values(checked(z.record(z.string(), z.array(Mem0Event)), value, file, "mem0 history")).flat();
  const byMemory = new Map<string, Mem0Event[]>();
  for (const event of all) byMemory.set(event.memory_id, [...(byMemory.get(event.memory_id) ?? []), event]);
  // Oldest first, as mem0 lists them; a change's time is its updated_at (created_at stays the memory's).
  for (const list of byMemory.values()) list.sort((a, b) => changeTime(a).localeCompare(changeTime(b)));
  return byMemory;
}

const changeTime = (e: Mem0Event) => (e.event === "ADD" ? e.created_at : (e.updated_at ?? e.created_at)) ?? "";

/** user_id is the subject (else the run, else the agent); agent_id the owner; the rest metadata. */
function memoryOf(m: Partial<Mem0Memory> & { id: string; memory: string }, agentId: string | undefined, where: string) {
  const run = m.run_id ?? m.session_id;
  // With no scope at all (a deleted memory known from the library's history alone): a user's, unnamed.
  const [subjectType, subjectId] = m.user_id
    ? ["user", m.user_id]
    : run
      ? ["run", run]
      : m.agent_id
        ? ["agent", m.agent_id]
        : ["user", ""];
  const owner = m.agent_id ?? agentId ?? "";
  const source: JsonObject = {};
  for (const [name, value] of Object.entries({ run_id: run, app_id: m.app_id, actor_id: m.actor_id, role: m.role })) {
    if (value) source[name] = value;
  }
  const created = timeOf(m.created_at, `${where}.created_at`);
  return {
    id: importedId("mem0", m.id),
    agentId: owner,
    subjectType,
    subjectId,
    kind: "fact",
    content: m.memory,
    // mem0 scopes a memory to its agent: in Engram, the agent's own.
    visibility: owner === "" ? Visibility.SHARED : Visibility.PRIVATE,
    metadata: { ...((m.metadata ?? {}) as JsonObject), ...(Object.keys(source).length > 0 ? { mem0: source } : {}) },
    tags: (m.categories ?? []).map((c) => `category:${c}`),
    sourceKind: "mem0",
    sourceId: m.id,
    createTime: created,
    updateTime: timeOf(m.updated_at, `${where}.updated_at`) ?? created,
    expireTime: m.expiration_date
      ? timeOf(`${m.expiration_date}T23:59:59.999Z`, `${where}.expiration_date`)
      : undefined,
  } satisfies ForeignMemory;
}

/**
 * The memory's item with mem0's events as its revisions: ADD created it, UPDATE changed its
 * text, DELETE deleted it. It stands as its last event left it (a deleted one, deleted then).
 */
function withHistory(memory: ForeignMemory, events: Mem0Event[], where: string): ExportMemoriesResponse {
  const revisions = events.map((e, i): ForeignRevision => {
    const time = timeOf(changeTime(e), `${where}[${i}]`);
    const content = e.new_memory ?? e.old_memory ?? memory.content;
    const change =
      e.event === "ADD" ? MemoryChange.CREATED : e.event === "UPDATE" ? MemoryChange.UPDATED : MemoryChange.DELETED;
    const deleteTime = e.event === "DELETE" ? time : undefined;
    return { change, time, memory: { ...memory, content, updateTime: time, deleteTime } };
  });
  const last = revisions.at(-1);
  if (last === undefined) return foreignItem(memory);
  if (last.change === MemoryChange.DELETED) return foreignItem({ ...memory, ...last.memory }, revisions);
  last.memory = { ...memory, updateTime: last.time ?? memory.updateTime };
  return foreignItem(memory, revisions);
}
