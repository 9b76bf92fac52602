import type { DescMethod, JsonObject, JsonValue } from "@bufbuild/protobuf";
import { ApiKeyService } from "../../../gen/ts/engram/v1/api_key_service_pb.js";
import { EntityService } from "../../../gen/ts/engram/v1/entity_service_pb.js";
import { MemoryService } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { SearchService } from "../../../gen/ts/engram/v1/search_service_pb.js";
import { WebhookService } from "../../../gen/ts/engram/v1/webhook_service_pb.js";
import { erasureOverLimits, erasureStringFields } from "./erasure-places.js";
import type { Call } from "./protocols.js";

const m = MemoryService.method;
const k = ApiKeyService.method;
const e = EntityService.method;
const w = WebhookService.method;
const s = SearchService.method;
export const METHODS = { ...m, ...k, ...e, ...w, ...s };

/** EvaluateSearch of one labelled query, with `patch` on it. */
function evaluation(patch: JsonObject, request: JsonObject = {}): Call {
  return call(s.evaluateSearch, { queries: [{ query: "probe", expectedKeys: ["k"], ...patch }], ...request });
}

/** UpdateSearchSettings of `settings` (the whole new settings), with `request` on it. */
export function settingsUpdate(settings: JsonObject, request: JsonObject = {}): Call {
  return call(s.updateSearchSettings, { settings, ...request });
}

/** EvaluateSearch of one labelled query in one configuration searching with `settings`. */
export function evaluationWithSettings(settings: JsonObject): Call {
  return evaluation({}, { configurations: [{ mode: "SEARCH_MODE_HYBRID", settings }] });
}

/** What the suite seeded before it starts: ids to aim at and a token the server issued. */
export interface Fixture {
  /** An admin-written memory of agent "agent-admin", the target of updates and deletes. */
  ownId: string;
  /** Agent B's private memory, agent A's key must never reach it. */
  victimB: string;
  /** A memory with no owner agent: only admin keys may change it. */
  ownerless: string;
  /** A memory of another workspace. */
  otherWorkspace: string;
  /** A key id of the suite's workspace, for revocation attempts from elsewhere. */
  keyId: string;
  /** A next_page_token from ListMemories with `PAGE_QUERY`. */
  pageToken: string;
}

export const PAGE_QUERY = { filter: { subjectType: "abuse-list" }, pageSize: 1 };

export function call(method: DescMethod, json: JsonObject): Call {
  return { method, json };
}

export function memory(patch: JsonObject = {}): JsonObject {
  return { subjectType: "contact", subjectId: "abuse", kind: "note", content: "an abuse probe", ...patch };
}

export function write(patch: JsonObject = {}, request: JsonObject = {}): Call {
  return call(m.writeMemory, { memory: memory(patch), ...request });
}

/** The id ImportMemories probes carry: a memory of the suite's workspace once an import succeeds. */
const IMPORTED_ID = "0190a000-0000-7000-8000-00000000abcd";

/** ImportMemories of one exported memory, with `patch` on it. */
function importOf(patch: JsonObject, embedding: JsonValue[] = []): Call {
  return call(m.importMemories, { memories: [{ memory: { ...memory(), id: IMPORTED_ID, ...patch }, embedding }] });
}

/** ImportMemories of one exported memory carrying one revision of itself, with `patch` on the revision. */
function importWithRevision(patch: JsonObject): Call {
  const exported = { ...memory(), id: IMPORTED_ID, revision: "1" };
  return call(m.importMemories, {
    memories: [
      { memory: exported, revisions: [{ revision: "1", change: "MEMORY_CHANGE_CREATED", memory: exported, ...patch }] },
    ],
  });
}

/** An input somewhere in a request, and whether the field is an id (where NOT_FOUND is a fair answer). */
export interface Placed {
  label: string;
  call: Call;
  id?: boolean;
}

/** The value `v` in every string field of every request, one field at a time. */
export function everyStringField(v: string, f: Fixture): Placed[] {
  const place = (label: string, c: Call, id = false): Placed => ({ label, call: c, id });
  const list = (filter: JsonObject, extra: JsonObject = {}) => call(m.listMemories, { filter, ...extra });
  const memoryFields = [
    "content",
    "title",
    "subjectType",
    "subjectId",
    "kind",
    "key",
    "agentId",
    "sourceKind",
    "sourceId",
    "parentMemoryId",
  ];
  return [
    ...memoryFields.map((name) => place(`WriteMemory memory.${name}`, write({ [name]: v }))),
    place("WriteMemory memory.tags[]", write({ tags: ["ok", v] })),
    place("WriteMemory memory.metadata key", write({ metadata: { [v]: "value" } })),
    place("WriteMemory memory.metadata value", write({ metadata: { note: v } })),
    place("WriteMemory memory.metadata nested value", write({ metadata: { list: [1, { deep: v }] } })),
    place("WriteMemory memory.linked_entities.type", write({ linkedEntities: [{ type: v, id: "x" }] })),
    place("WriteMemory memory.linked_entities.id", write({ linkedEntities: [{ type: "deal", id: v }] })),
    place("WriteMemory request_id", write({}, { requestId: v })),
    place("WriteMemory memory.relations[].predicate", write({ relations: [relation({ predicate: v })] })),
    place(
      "WriteMemory memory.relations[].object.id",
      write({ relations: [relation({ object: { type: "company", id: v } })] }),
    ),
    place(
      "BatchWriteMemories requests[].memory.content",
      call(m.batchWriteMemories, { requests: [{ memory: memory({ content: v }) }] }),
    ),
    place("ListMemories filter.agent_id", list({ agentId: v })),
    place("ListMemories filter.subject_type", list({ subjectType: v })),
    place("ListMemories filter.subject_id", list({ subjectId: v })),
    place("ListMemories filter.kinds", list({ kinds: [v] })),
    place("ListMemories filter.tags", list({ tags: [v] })),
    place("ListMemories filter.any_tags", list({ anyTags: [v] })),
    place("ListMemories filter.key", list({ key: v })),
    place("ListMemories filter.owner_agent_ids", list({ ownerAgentIds: [v, "agent-a"] })),
    place(
      "SearchMemories filter.owner_agent_ids",
      call(m.searchMemories, { query: "probe", filter: { ownerAgentIds: [v] } }),
    ),
    place("ListMemories filter.linked_entity", list({ linkedEntityType: v, linkedEntityId: v })),
    place("ListMemories filter.mentions", list({ mentions: { type: "person", id: v } })),
    place("ListMemories filter.metadata key", list({ metadata: { [v]: "value" } })),
    place("ListMemories filter.metadata value", list({ metadata: { note: v, nested: { list: [v] } } })),
    place(
      "SearchMemories filter.metadata",
      call(m.searchMemories, { query: "probe", filter: { metadata: { note: v } } }),
    ),
    place("ListMemories page_token", list({}, { pageToken: v })),
    place("ListMemories order_by", list({}, { orderBy: v })),
    place("SearchMemories query", call(m.searchMemories, { query: v })),
    place("EvaluateSearch queries[].query", evaluation({ query: v })),
    place("EvaluateSearch queries[].label", evaluation({ label: v })),
    place("EvaluateSearch queries[].expected_ids", evaluation({ expectedIds: [v] })),
    place("EvaluateSearch queries[].expected_keys", evaluation({ expectedKeys: [v] })),
    place("EvaluateSearch queries[].expected_metadata", evaluation({ expectedMetadata: [{ [v]: v }] })),
    place("EvaluateSearch queries[].filter.subject_id", evaluation({ filter: { subjectId: v } })),
    place("SearchMemories filter.subject_type", call(m.searchMemories, { query: "probe", filter: { subjectType: v } })),
    place("UpdateSearchSettings reason", settingsUpdate({}, { reason: v })),
    place("ListSearchSettingsRevisions page_token", call(s.listSearchSettingsRevisions, { pageToken: v })),
    place("GetMemory id", call(m.getMemory, { id: v }), true),
    place("GetMemory agent_id", call(m.getMemory, { id: f.ownId, agentId: v })),
    place(
      "UpdateMemory memory.content",
      call(m.updateMemory, { id: f.ownId, memory: { content: v }, updateMask: "content" }),
    ),
    place(
      "UpdateMemory etag",
      call(m.updateMemory, { id: f.ownId, memory: { title: "t" }, updateMask: "title", etag: v }),
    ),
    place("ExportMemories filter.subject_type", call(m.exportMemories, { filter: { subjectType: v } })),
    place("ImportMemories memories[].memory.content", importOf({ content: v })),
    place("ImportMemories memories[].memory.id", importOf({ id: v }), true),
    place("ImportMemories memories[].memory.embedding_model", importOf({ embeddingModel: v }, [0.5])),
    place("WriteMemory supersedes[]", write({}, { supersedes: [v] }), true),
    place("ListMemoryRevisions id", call(m.listMemoryRevisions, { id: v }), true),
    place("ListMemoryRevisions page_token", call(m.listMemoryRevisions, { id: f.ownId, pageToken: v })),
    place("UnsupersedeMemory id", call(m.unsupersedeMemory, { id: v }), true),
    place("ImportMemories memories[].revisions[].reason", importWithRevision({ reason: v })),
    place("ImportMemories memories[].memory.superseded_by", importOf({ supersededBy: v }), true),
    place("DeleteMemory id", call(m.deleteMemory, { id: v }), true),
    place("DeleteMemory reason", call(m.deleteMemory, { id: f.ownId, agentId: "agent-admin", reason: v })),
    place("UndeleteMemory id", call(m.undeleteMemory, { id: v }), true),
    place(
      "CreateApiKey api_key.display_name",
      call(k.createApiKey, { apiKey: { displayName: v, scopes: ["memory:read"] } }),
    ),
    place("CreateApiKey api_key.agent_id", call(k.createApiKey, { apiKey: { agentId: v, scopes: ["memory:read"] } })),
    place("RevokeApiKey id", call(k.revokeApiKey, { id: v }), true),
    place("ListEntities name_prefix", call(e.listEntities, { namePrefix: v })),
    place("ListEntities query", call(e.listEntities, { query: v })),
    place("ListEntities page_token", call(e.listEntities, { pageToken: v })),
    place("GetEntity id", call(e.getEntity, { type: "person", id: v }), true),
    place("GetEntityGraph predicates[]", call(e.getEntityGraph, { type: "contact", id: "abuse", predicates: [v] })),
    place(
      "FindEntityPaths to_id",
      call(e.findEntityPaths, { type: "contact", id: "abuse", toType: "person", toId: v }),
    ),
    place(
      "UpdateEntity entity.name",
      call(e.updateEntity, { type: "contact", id: "abuse", entity: { name: v }, updateMask: "name" }),
    ),
    place(
      "UpdateEntity entity.aliases[]",
      call(e.updateEntity, { type: "contact", id: "abuse", entity: { aliases: [v] }, updateMask: "aliases" }),
    ),
    place(
      "MergeEntities from.id",
      call(e.mergeEntities, { from: { type: "person", id: v }, into: { type: "person", id: "abuse-into" } }),
      true,
    ),
    place("UndoEntityMerge merge_id", call(e.undoEntityMerge, { mergeId: v }), true),
    ...erasureStringFields(v),
  ];
}

function relation(patch: JsonObject = {}): JsonObject {
  return {
    subject: { type: "person", id: "ana" },
    predicate: "works_at",
    object: { type: "company", id: "acme" },
    ...patch,
  };
}

/** Each field one past its documented limit (DESIGN section 6). */
export function overLimits(f: Fixture): Placed[] {
  const many = (n: number, make: (i: number) => JsonValue) => Array.from({ length: n }, (_, i) => make(i));
  const place = (label: string, c: Call): Placed => ({ label, call: c });
  return [
    place("content 50,001 characters", write({ content: "x".repeat(50_001) })),
    place("content 50,001 characters of 4 bytes", write({ content: "😀".repeat(50_001) })),
    place("title 201", write({ title: "t".repeat(201) })),
    place("subject_type 129", write({ subjectType: "s".repeat(129) })),
    place("kind 129", write({ kind: "k".repeat(129) })),
    place("key 513", write({ key: "k".repeat(513) })),
    place("65 tags", write({ tags: many(65, (i) => `tag:${i}`) })),
    place("tag of 129", write({ tags: ["t".repeat(129)] })),
    place("65 linked entities", write({ linkedEntities: many(65, (i) => ({ type: "deal", id: `d${i}` })) })),
    place("metadata over 64 KiB", write({ metadata: { blob: "m".repeat(70 * 1024) } })),
    place(
      "metadata of 10,000 keys (over 64 KiB)",
      write({ metadata: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i])) }),
    ),
    place("request_id 257", write({}, { requestId: "r".repeat(257) })),
    place(
      "batch of 101",
      call(m.batchWriteMemories, { requests: many(101, (i) => ({ memory: memory({ content: `batch ${i}` }) })) }),
    ),
    place("batch of 0", call(m.batchWriteMemories, { requests: [] })),
    place(
      "import of 101",
      call(m.importMemories, { memories: many(101, () => ({ memory: { ...memory(), id: IMPORTED_ID } })) }),
    ),
    place("import of 0", call(m.importMemories, { memories: [] })),
    place(
      "imported vector of 4,097 values",
      importOf(
        {},
        many(4097, () => 0.1),
      ),
    ),
    place("top_k 101", call(m.searchMemories, { query: "probe", topK: 101 })),
    place("query 4,097", call(m.searchMemories, { query: "q".repeat(4097) })),
    place(
      "evaluation of 501 queries",
      evaluation({}, { queries: many(501, (i) => ({ query: `q${i}`, expectedKeys: ["k"] })) }),
    ),
    place("evaluation of 0 queries", call(s.evaluateSearch, { queries: [] })),
    place("evaluation k 101", evaluation({}, { k: 101 })),
    place(
      "evaluation of 7 configurations",
      evaluation({}, { configurations: many(7, () => ({ mode: "SEARCH_MODE_KEYWORD" })) }),
    ),
    place("evaluation query expecting nothing", evaluation({ expectedKeys: [] })),
    place("evaluation of 101 expected ids", evaluation({ expectedIds: many(101, (i) => `id-${i}`) })),
    place("evaluation query 4,097", evaluation({ query: "q".repeat(4097) })),
    place("evaluation label 257", evaluation({ label: "l".repeat(257) })),
    place("search settings reason 1,025", settingsUpdate({}, { reason: "r".repeat(1025) })),
    place("search settings reason 1,025 of 4 bytes", settingsUpdate({}, { reason: "😀".repeat(1025) })),
    place("search settings revisions page_size 501", call(s.listSearchSettingsRevisions, { pageSize: 501 })),
    place(
      "search settings revisions page_token 1,025",
      call(s.listSearchSettingsRevisions, { pageToken: "9".repeat(1025) }),
    ),
    place("page_size 501", call(m.listMemories, { pageSize: 501 })),
    place("page_token 1,025", call(m.listMemories, { pageToken: "p".repeat(1025) })),
    place("get id 257", call(m.getMemory, { id: "i".repeat(257) })),
    place(
      "supersedes 17 ids",
      write({}, { supersedes: many(17, (i) => `0190a000-0000-7000-8000-0000000000${10 + i}`) }),
    ),
    place("supersedes id 257", write({}, { supersedes: ["i".repeat(257)] })),
    place("revisions page_size 501", call(m.listMemoryRevisions, { id: f.ownId, pageSize: 501 })),
    place("revisions page_token 1,025", call(m.listMemoryRevisions, { id: f.ownId, pageToken: "p".repeat(1025) })),
    place("revision reason 1,025", importWithRevision({ reason: "r".repeat(1025) })),
    place("revision number past 2^62", importWithRevision({ revision: "4611686018427387905" })),
    place("delete reason 1,025", call(m.deleteMemory, { id: f.ownId, reason: "r".repeat(1025) })),
    place(
      "api key display_name 201",
      call(k.createApiKey, { apiKey: { displayName: "d".repeat(201), scopes: ["memory:read"] } }),
    ),
    ...erasureOverLimits(),
  ];
}
