import type { MemoryDraft, MemoryRecord } from "../../src/memory/record.js";

/** A memory draft for unit tests: every field at its plain value, then the test's own. */
export function aDraft(patch: Partial<MemoryDraft> = {}): MemoryDraft {
  return {
    agentId: null,
    subjectType: "contact",
    subjectId: "c-1",
    kind: "note",
    key: null,
    content: "x",
    title: "",
    visibility: "private",
    metadata: {},
    tags: [],
    linkedEntities: [],
    relations: [],
    confidence: 1,
    sourceKind: null,
    sourceId: null,
    provenance: null,
    parentMemoryId: null,
    expireTime: null,
    validFrom: null,
    validUntil: null,
    ...patch,
  };
}

/** A stored memory for unit tests, made from a draft. */
export function aRecord(patch: Partial<MemoryRecord> = {}): MemoryRecord {
  return {
    ...aDraft(),
    workspaceId: "w1",
    id: "0190a6f2-1c2b-7d3e-8f40-123456789abc",
    forgetReason: null,
    mentions: [],
    embeddingModel: "m",
    embeddingStatus: "attached",
    revision: 1n,
    createTime: new Date("2024-01-01T00:00:00.000Z"),
    updateTime: new Date("2024-01-01T00:00:00.000Z"),
    deleteTime: null,
    supersededBy: null,
    ...patch,
  };
}
