import type { JsonObject } from "@bufbuild/protobuf";
import { MemoryService } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { StagedWriteService } from "../../gen/ts/engram/v1/staged_write_service_pb.js";
import { impliedUpdateMask } from "../api/json-request.js";
import { ENTITY_TOOLS } from "./entity-tools.js";
import { ERASE_TOOL } from "./erase-tool.js";
import type { MemoryTool } from "./tool.js";

export type { MemoryTool } from "./tool.js";

/** Fields the server sets on every memory; writes and updates ignore or refuse them. */
const OUTPUT_ONLY = [
  "id",
  "workspace_id",
  "forget_reason",
  "state",
  "embedding_status",
  "embedding_model",
  "revision",
  "etag",
  "create_time",
  "update_time",
  "delete_time",
  "superseded_by",
  "mentions",
];
const memoryFields = (paths: string[]) => paths.map((p) => `memory.${p}`);

const VISIBILITY =
  'visibility "private" (the default) means only the agent that wrote a memory can read it; "shared" means every agent in the workspace can.';
const TAGS =
  'Tags are namespaced facets written "<facet>:<value>", e.g. "competitor:Twilio", "objection:pricing", "feature:voice_agents".';
const LINKS =
  "linked_entities ({type, id} pairs) name other entities a memory is about besides its subject, e.g. the opportunity a pitch to a contact belongs to.";
const AGENT =
  "agent_registry_id is the acting agent's own id: pass it so that its private memories are visible (keys bound to an agent always act as that agent).";

const MEMORY_RPC_TOOLS: MemoryTool[] = [
  {
    name: "list_memory",
    title: "List memories",
    description: [
      "List memories by exact filters, newest first. Use it before acting to see what you already know or did:",
      'by subject (subject_type="contact", subject_id=<uuid>), narrowed by kind (kind="pitch"), by tag',
      '(tag="feature:voice_agents", across subjects), or by linked entity (linked_entity_type="opportunity",',
      "linked_entity_id=<uuid>). Several filters combine with AND. For questions by meaning use search_memory instead.",
      "Deleted, expired and superseded memories are left out unless show_deleted / show_expired / include_superseded.",
      "valid_at keeps the memories whose validity window (valid_from..valid_until) holds at that instant;",
      `as_of lists what was known at that time instead of now. ${AGENT}`,
      "Pass next_page_token back as page_token for more.",
    ].join(" "),
    method: MemoryService.method.listMemories,
    hidden: ["filter.mentions"],
    readOnly: true,
  },
  {
    name: "get_memory",
    title: "Get a memory",
    description: [
      "Fetch one memory by its id (from list_memory, search_memory or write_memory); superseded ones too (state",
      `superseded, superseded_by names the memory that replaced it). as_of reads it as it was at that time. ${AGENT}`,
    ].join(" "),
    method: MemoryService.method.getMemory,
    hidden: [],
    readOnly: true,
  },
  {
    name: "write_memory",
    title: "Write a memory",
    description: [
      "Remember something for later runs. Required: subject_type (what the memory is about: contact, opportunity,",
      "company, self, or your own type) and content (a sentence narrating to your future self). subject_id is the",
      "subject's id. kind is your category (pitch, objection, preference, observation...); without one the server",
      "classifies the content as fact, preference, event, instruction, decision, goal or relationship (a keyed write needs one).",
      "Upsert by key: with a key, the memory is identified by (agent, subject_type, subject_id, kind, key), so writing",
      "the same key again updates that memory instead of adding a duplicate, and revives it if it was deleted; use it",
      "as a never-twice gate (e.g. key = the article slug you pitched). Without a key every write adds a memory",
      "(an identical or near-identical one of yours about the same subject is merged). The result's outcome says which",
      "happened: created, updated, revived, merged, unchanged (the key's memory already said exactly this), or rejected",
      "(content with no information, such as only stop words: nothing is stored). possible_conflicts lists up to three",
      "similar memories about the same subject that may disagree with this one; contradicts marks those that state a",
      "different number or the negation of it. When this write replaces older facts, pass their ids as supersedes (or",
      "supersede_conflicts=true for the contradicting ones): they become superseded, leave lists and searches, and",
      "keep their history. valid_from / valid_until say when the fact holds in the world (valid_from defaults to now).",
      `${VISIBILITY} ${TAGS} ${LINKS} metadata holds machine-readable fields;`,
      "source_kind/source_id record what triggered the memory; expires_at or ttl make it lapse.",
      AGENT,
    ].join(" "),
    method: MemoryService.method.writeMemory,
    hidden: [...memoryFields(OUTPUT_ONLY), "validate_only"],
    required: ["subject_type", "content"],
    readOnly: false,
    idempotent: false,
  },
  {
    name: "update_memory",
    title: "Update a memory",
    description: [
      "Change some fields of one memory by id; only the arguments you pass change, everything else stays.",
      "To rewrite a keyed memory it is simpler to call write_memory with the same key.",
      "Pass etag (from a previous read) to refuse the update if the memory changed since.",
      `${VISIBILITY} Only the agent that wrote a memory may change it. ${TAGS}`,
    ].join(" "),
    method: MemoryService.method.updateMemory,
    hidden: [...memoryFields([...OUTPUT_ONLY, "agent_id"]), "update_mask"],
    // It changes exactly the memory fields it was given.
    request: (json) => ({ ...json, update_mask: impliedUpdateMask((json.memory as JsonObject | undefined) ?? {}) }),
    readOnly: false,
    idempotent: true,
  },
  {
    name: "delete_memory",
    title: "Delete a memory",
    description: [
      "Soft-delete one memory by id: it disappears from list_memory and search_memory but can still be revived",
      "(writing the same key again restores it). Only the agent that wrote a memory may delete it.",
      "reason is kept for the record.",
    ].join(" "),
    method: MemoryService.method.deleteMemory,
    hidden: [],
    readOnly: false,
    destructive: true,
    idempotent: true,
  },
  {
    name: "memory_history",
    title: "A memory's history",
    description: [
      "Every change to one memory by id, newest first: what it did (created, updated, upserted, merged, deleted,",
      "superseded...), when, by which agent, the fields it changed and the memory as it left it. Pass",
      `next_page_token back as page_token for older revisions. ${AGENT}`,
    ].join(" "),
    method: MemoryService.method.listMemoryRevisions,
    hidden: [],
    readOnly: true,
  },
  {
    name: "unsupersede_memory",
    title: "Undo a supersession",
    description: [
      "Make a superseded memory active again (for when the write that replaced it was wrong): superseded_by is",
      `cleared and valid_until goes back to what it was. Only the agent that wrote a memory may do this. ${AGENT}`,
    ].join(" "),
    method: MemoryService.method.unsupersedeMemory,
    hidden: [],
    readOnly: false,
    idempotent: false,
  },
  {
    name: "search_memory",
    title: "Search memories by meaning",
    description: [
      'Search memories by meaning across content and metadata, e.g. query="stretched thin on follow-up".',
      "Results come ranked best first, each with its rank and a score from 0 to 1 (higher is better, the same scale in",
      "every mode, so one min_score works for all), and the response names the mode that ran. Narrow with the same",
      "filters as list_memory (subject_type, subject_id, kind, tag, linked entity). mode is hybrid (default: meaning",
      "and words together), semantic or keyword. top_k caps the results (10 by default, at most 100).",
      "rerank=true reorders the results with a cross-encoder for a better top few, at about 0.2 s more per search;",
      'each result then has a rerank_score, and the response says rerank "applied" (or "unavailable": order kept);',
      "left out, the workspace's search settings decide (off unless an admin turned it on).",
      "graph_expansion=neighbours (hybrid only; off by default) also brings the memories of the entities the query",
      "names, by name or alias, and of their neighbours in the knowledge graph; graph_link says how each was reached.",
      AGENT,
    ].join(" "),
    method: MemoryService.method.searchMemories,
    hidden: ["filter.mentions"],
    readOnly: true,
  },
  {
    name: "stage_memory_writes",
    title: "Stage memory writes for review",
    description: [
      "Check writes now and apply them later: requests is a list of 1 to 100 writes, each {memory: {...the",
      "write_memory arguments...}}. Nothing is stored yet; the answer's preview says what each write would do",
      "(created, merged, rejected, possible conflicts), and the staged write waits, pending, until apply_staged_write",
      "or discard_staged_write, or until it expires (ttl, at most the server's limit). atomic applies all or none.",
    ].join(" "),
    method: StagedWriteService.method.createStagedWrite,
    // Staging is for review; write_memory is the direct write.
    hidden: ["apply"],
    readOnly: false,
    idempotent: false,
  },
  {
    name: "list_staged_writes",
    title: "List staged writes",
    description: `Staged writes you may see, newest first; state narrows them (pending, applied, discarded, expired). ${AGENT}`,
    method: StagedWriteService.method.listStagedWrites,
    hidden: [],
    readOnly: true,
  },
  {
    name: "get_staged_write",
    title: "Get a staged write",
    description: `One staged write by id: its writes, their preview, its state and, once applied, the results. ${AGENT}`,
    method: StagedWriteService.method.getStagedWrite,
    hidden: [],
    readOnly: true,
  },
  {
    name: "apply_staged_write",
    title: "Apply a staged write",
    description: [
      "Perform a pending staged write's writes now, exactly as write_memory would (results say what each did).",
      `Only the agent it was staged as (or an admin) may apply it. ${AGENT}`,
    ].join(" "),
    method: StagedWriteService.method.applyStagedWrite,
    hidden: [],
    readOnly: false,
    idempotent: false,
  },
  {
    name: "discard_staged_write",
    title: "Discard a staged write",
    description: `Drop a pending staged write: nothing of it is written. ${AGENT}`,
    method: StagedWriteService.method.discardStagedWrite,
    hidden: [],
    readOnly: false,
    destructive: true,
    idempotent: false,
  },
];

/** Every tool: the memory tools, erasure, then the knowledge graph's. */
export const MEMORY_TOOLS: MemoryTool[] = [...MEMORY_RPC_TOOLS, ERASE_TOOL, ...ENTITY_TOOLS];

/** A memory as a model reads it: no empty fields and none it cannot use. */
export function compactMemory(memory: JsonObject): JsonObject {
  const skip = new Set(["workspace_id", "embedding_model"]);
  return Object.fromEntries(
    Object.entries(memory).filter(
      ([name, value]) =>
        !skip.has(name) &&
        value !== "" &&
        value !== "unspecified" &&
        !(Array.isArray(value) && value.length === 0) &&
        !(typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 0),
    ),
  );
}
