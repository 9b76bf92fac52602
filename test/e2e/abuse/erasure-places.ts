import type { DescMethod, JsonObject, JsonValue } from "@bufbuild/protobuf";
import { MemoryService } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import type { Call } from "./protocols.js";
import type { Placed } from "./scenarios.js";

const m = MemoryService.method;

/** A well-formed memory id that names no memory. */
export const ABSENT_ID = "0190a000-0000-7000-8000-00000000dead";

const place = (label: string, json: JsonObject, method: DescMethod = m.eraseMemories, id = false): Placed => ({
  label,
  call: { method, json } satisfies Call,
  id,
});

/**
 * The value `v` in each string field of the erasure RPCs, for everyStringField. Each erasure aims
 * at nothing that exists: were the hostile value let through, nothing would be erased.
 */
export function erasureStringFields(v: string): Placed[] {
  return [
    place("EraseMemories ids[]", { ids: [ABSENT_ID, v] }, m.eraseMemories, true),
    place("EraseMemories filter.subject_type", { filter: { subjectType: v } }),
    place("EraseMemories filter.tags", { filter: { tags: [v] } }),
    place("EraseMemories filter.agent_id", { filter: { subjectId: "erase-none", agentId: v } }),
    place("EraseMemories owner_agent_id", { filter: { subjectId: "erase-none" }, ownerAgentId: v }),
    place("EraseMemories agent_id", { ids: [ABSENT_ID], agentId: v }),
    place("GetErasureReceipt id", { id: v }, m.getErasureReceipt, true),
    place("ListErasureReceipts page_token", { pageToken: v }, m.listErasureReceipts),
  ];
}

/** Each field of the erasure RPCs one past its limit, for overLimits. */
export function erasureOverLimits(): Placed[] {
  const many = (n: number, make: (i: number) => JsonValue) => Array.from({ length: n }, (_, i) => make(i));
  return [
    place("erase 1,001 ids", { ids: many(1001, (i) => `0190a000-0000-7000-8000-${String(i).padStart(12, "0")}`) }),
    place("erase id 257", { ids: ["i".repeat(257)] }),
    place("erase filter.subject_id 257", { filter: { subjectId: "s".repeat(257) } }),
    place("erase filter of 65 kinds", { filter: { kinds: many(65, (i) => `kind:${i}`) } }),
    place("erase owner_agent_id 257", { filter: { subjectId: "x" }, ownerAgentId: "o".repeat(257) }),
    place("erase agent_id 257", { ids: [ABSENT_ID], agentId: "a".repeat(257) }),
    place("erasure receipts page_size 501", { pageSize: 501 }, m.listErasureReceipts),
    place("erasure receipts page_token 1,025", { pageToken: "p".repeat(1025) }, m.listErasureReceipts),
    place("erasure receipt id 257", { id: "i".repeat(257) }, m.getErasureReceipt),
  ];
}
