import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import { VectorType } from "pgvector/mikro-orm";

export interface EntityRefRow {
  type: string;
  id: string;
}

/** The `memories` table. The migration owns the DDL; this mirrors it for the ORM. */
export const MemorySchema = defineEntity({
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
    metadata: p.json<Record<string, unknown>>(),
    tags: p.array(),
    linkedEntities: p.json<EntityRefRow[]>(),
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
    search: p.text().columnType("tsvector").persist(false).lazy(),
    revision: p.bigint("number").default(1),
    createTime: p.datetime(),
    updateTime: p.datetime(),
    deleteTime: p.datetime().nullable(),
  },
  indexes: [
    { name: "memories_subject", properties: ["workspaceId", "subjectType", "subjectId", "kind", "createTime"] },
    {
      name: "memories_embedding",
      expression: "create index memories_embedding on memories using hnsw (embedding vector_cosine_ops)",
    },
    {
      name: "memories_search",
      expression: "create index memories_search on memories using gin (search) with (gin_pending_list_limit = 256)",
    },
  ],
});

export type MemoryEntity = InferEntity<typeof MemorySchema>;
