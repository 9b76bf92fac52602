import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import { VectorType } from "pgvector/mikro-orm";
import { tagsText } from "../db/routines.js";
import { MENTIONS_ON_WRITE, NAMES_ON_INSERT, NAMES_ON_PURGE, NAMES_ON_UPDATE } from "../graph/mention-trigger.js";
import { REVISION_ON_INSERT, REVISION_ON_UPDATE } from "./revision-triggers.js";

export interface EntityRefRow {
  type: string;
  id: string;
}

/** A fact a memory states (Memory.relations). */
export interface RelationRow {
  subject: EntityRefRow;
  predicate: string;
  object: EntityRefRow;
}

export type MentionRoleValue = "subject" | "linked" | "content" | "tag" | "relation";

/** A relation said in plain words in a memory's content, between two of its content mentions (by their text). */
export interface FoundRelationRow {
  subject: string;
  predicate: string;
  object: string;
}

/** An entity a memory mentions (Memory.mentions); `text` for content names only. */
export interface MentionRow extends EntityRefRow {
  role: MentionRoleValue;
  text?: string;
  /** The entity it named before a merge in force made it this one (merge-routines.ts). */
  from?: EntityRefRow;
}

/**
 * The `memories` table, the single source of its schema: migrations are generated from this
 * (npm run db:migration) and a test fails when the migrated database and this differ.
 */
export const MemoryEntity = defineEntity({
  name: "Memory",
  tableName: "memories",
  properties: {
    workspaceId: p.text().primary(),
    id: p.uuid().primary(),
    agentId: p.text().nullable(),
    subjectType: p.text(),
    subjectId: p.text().nullable(),
    kind: p.text(),
    key: p.text().nullable(),
    content: p.text(),
    contentFingerprint: p.text(),
    title: p.text().default(""),
    visibility: p.enum(["private", "shared"] as const).default("private"),
    metadata: p.json<Record<string, unknown>>().defaultRaw("'{}'"),
    tags: p.array().defaultRaw("'{}'"),
    linkedEntities: p.json<EntityRefRow[]>().defaultRaw("'[]'"),
    relations: p.json<RelationRow[]>().defaultRaw("'[]'"),
    // Every entity the memory mentions, kept whole by the mentions_on_write trigger (src/graph/mention-trigger.ts).
    mentions: p.json<MentionRow[]>().defaultRaw("'[]'"),
    // Relations its content says in plain words (src/graph/content-mentions.ts): edges of the graph, not Memory.relations.
    foundRelations: p.json<FoundRelationRow[]>().defaultRaw("'[]'"),
    confidence: p.float().default(1),
    sourceKind: p.text().nullable(),
    sourceId: p.text().nullable(),
    provenance: p.text().nullable(),
    parentMemoryId: p.text().nullable(),
    expireTime: p.datetime().nullable(),
    forgetReason: p.text().nullable(),
    embedding: p.type(VectorType).columnType("vector(384)").nullable().lazy(),
    embeddingModel: p.text().nullable(),
    embeddingStatus: p.enum(["attached", "pending", "failed"] as const).default("pending"),
    embeddingAttempts: p.integer().default(0),
    embeddingRetryTime: p.datetime().nullable(),
    // Title weighs most; content, tags and string metadata values follow.
    search: p
      .type("tsvector")
      .generated(
        `(setweight(to_tsvector('english'::regconfig, title), 'A') || to_tsvector('english'::regconfig, content) || to_tsvector('english'::regconfig, ${tagsText.name}(tags)) || jsonb_to_tsvector('english'::regconfig, metadata, '["string"]'::jsonb)) stored`,
      )
      .lazy(),
    revision: p.bigint("bigint").defaultRaw("1"),
    createTime: p.datetime(),
    updateTime: p.datetime(),
    deleteTime: p.datetime().nullable(),
    // When the fact holds in the world; a null valid_from means from create_time.
    validFrom: p.datetime().nullable(),
    validUntil: p.datetime().nullable(),
    supersededBy: p.uuid().nullable(),
    // The last change, as its revision records it (memory_revisions, written by a trigger).
    lastChange: p.text().default("created"),
    lastChangeKeyId: p.text().nullable(),
    lastChangeAgentId: p.text().nullable(),
    lastChangeReason: p.text().nullable(),
  },
  checks: [{ name: "memories_confidence_check", expression: "confidence >= 0::real and confidence <= 1::real" }],
  // Every change bumps the revision and is recorded (revision-triggers.ts); the embedding worker's vector is not.
  triggers: [
    {
      name: "mentions_on_write",
      timing: "before",
      events: ["insert", "update"],
      forEach: "row",
      expression: MENTIONS_ON_WRITE,
    },
    {
      name: "names_on_insert",
      timing: "after",
      events: ["insert"],
      forEach: "statement",
      expression: NAMES_ON_INSERT,
    },
    {
      name: "names_on_update",
      timing: "after",
      events: ["update"],
      forEach: "statement",
      expression: NAMES_ON_UPDATE,
    },
    {
      name: "names_on_purge",
      timing: "after",
      events: ["delete"],
      forEach: "statement",
      expression: NAMES_ON_PURGE,
    },
    {
      name: "revision_on_insert",
      timing: "after",
      events: ["insert"],
      forEach: "statement",
      expression: REVISION_ON_INSERT,
    },
    {
      name: "revision_on_update",
      timing: "after",
      events: ["update"],
      forEach: "statement",
      expression: REVISION_ON_UPDATE,
    },
  ],
  indexes: [
    {
      // NULLS NOT DISTINCT: an owner-less or subject-less key is still one row.
      name: "memories_natural_key",
      expression: `create unique index memories_natural_key on memories
        (workspace_id, agent_id, subject_type, subject_id, kind, key) nulls not distinct where key is not null`,
    },
    { name: "memories_subject", properties: ["workspaceId", "subjectType", "subjectId", "kind", "createTime"] },
    {
      name: "memories_fingerprint",
      properties: ["workspaceId", "subjectType", "subjectId", "kind", "contentFingerprint"],
      where: "key is null",
    },
    // Finds stored vectors by content, so a write of content the workspace holds reuses one.
    { name: "memories_content_lookup", properties: ["workspaceId", "contentFingerprint"] },
    { name: "memories_workspace_created", properties: ["workspaceId", "createTime", "id"] },
    // The embedding queue, in the order its jobs became due (embedding-queue.repository.ts
    // DUE_SINCE): a claim and nextRetryTime read its first rows, never the whole backlog.
    {
      name: "memories_embedding_pending",
      expression: `create index memories_embedding_pending on memories
        ((coalesce(embedding_retry_time, update_time))) where embedding_status = 'pending' and delete_time is null`,
    },
    {
      name: "memories_purge",
      expression: "create index memories_purge on memories (coalesce(delete_time, expire_time))",
    },
    // The expiry sweeper's work list: expired memories whose expiry no revision records yet.
    {
      name: "memories_unrecorded_expiry",
      properties: ["expireTime"],
      where: "expire_time is not null and last_change <> 'expired'",
    },
    {
      name: "memories_embedding",
      expression: "create index memories_embedding on memories using hnsw (embedding vector_cosine_ops)",
    },
    // No GIN pending lists: every search would read them in full (see the gin-direct-updates migration).
    {
      name: "memories_search",
      expression: "create index memories_search on memories using gin (search) with (fastupdate = off)",
    },
    {
      name: "memories_tags",
      expression: "create index memories_tags on memories using gin (tags) with (fastupdate = off)",
    },
    // The graph's way in: the memories that mention an entity, in any role.
    {
      name: "memories_mentions",
      expression: `create index memories_mentions on memories
        using gin (mentions jsonb_path_ops) with (fastupdate = off)`,
    },
    {
      name: "memories_linked_entities",
      expression: `create index memories_linked_entities on memories
        using gin (linked_entities jsonb_path_ops) with (fastupdate = off)`,
    },
  ],
});

export type MemoryRow = InferEntity<typeof MemoryEntity>;
