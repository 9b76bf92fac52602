import type { Memory } from "../../../gen/ts/engram/v1/memory_pb.js";
import { DomainError, type FieldViolation } from "../../errors/domain-error.js";
import { checkValidity, toDraft } from "../mapper.js";
import type { MemoryDraft, MemoryRecord } from "../record.js";

/** Memory fields UpdateMemory may change, by their proto names, and the draft field each sets. */
const UPDATABLE = {
  subject_type: "subjectType",
  subject_id: "subjectId",
  kind: "kind",
  key: "key",
  content: "content",
  title: "title",
  visibility: "visibility",
  metadata: "metadata",
  linked_entities: "linkedEntities",
  relations: "relations",
  tags: "tags",
  confidence: "confidence",
  source_kind: "sourceKind",
  source_id: "sourceId",
  provenance: "provenance",
  parent_memory_id: "parentMemoryId",
  expire_time: "expireTime",
  valid_from: "validFrom",
  valid_until: "validUntil",
} as const satisfies Record<string, keyof MemoryDraft>;

type UpdatablePath = keyof typeof UPDATABLE;

const REQUIRED: Partial<Record<UpdatablePath, string>> = {
  content: "content cannot be empty (1 to 50000 characters)",
  subject_type: "subject_type cannot be empty",
  kind: "kind cannot be empty",
};

/** The memory as it will be once the fields named by the mask take the request's values. */
export function applyUpdateMask(target: MemoryRecord, memory: Memory, paths: string[], now: Date): MemoryDraft {
  const expanded = paths.includes("*") ? (Object.keys(UPDATABLE) as UpdatablePath[]) : paths;
  const violations: FieldViolation[] = [];
  if (expanded.length === 0) {
    violations.push({ field: "update_mask", description: "name at least one field to update" });
  }
  for (const path of expanded) {
    if (!Object.hasOwn(UPDATABLE, path)) {
      violations.push({ field: "update_mask", description: `${path} is not a field UpdateMemory can change` });
    }
  }
  const requested = expanded.filter((p): p is UpdatablePath => Object.hasOwn(UPDATABLE, p));
  const incoming = toDraft(memory, target.agentId, { now });
  for (const path of requested) {
    const message = REQUIRED[path];
    if (message !== undefined && incoming[UPDATABLE[path]] === "") {
      violations.push({ field: `memory.${path}`, description: message });
    }
  }
  if (violations.length > 0) {
    throw new DomainError(
      "invalid_argument",
      "INVALID_UPDATE",
      violations.map((v) => `${v.field}: ${v.description}`).join("; "),
      violations,
    );
  }
  const draft: MemoryDraft = { ...target };
  for (const path of requested) {
    const field = UPDATABLE[path];
    (draft as unknown as Record<string, unknown>)[field] = incoming[field];
  }
  checkValidity(draft, target.createTime);
  return draft;
}
