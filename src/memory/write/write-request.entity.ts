import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

/** Remembers the response to each WriteMemory request_id so a retry gets the same answer (AIP-155). */
export const WriteRequestEntity = defineEntity({
  name: "WriteRequest",
  tableName: "write_requests",
  properties: {
    workspaceId: p.text().primary(),
    agentScope: p.text().primary(),
    requestId: p.text().primary(),
    requestHash: p.text(),
    response: p.blob().nullable(),
    // The memory ids `response` names (uuidsIn), which an erasure finds it by.
    memoryIds: p.array().columnType("uuid[]").defaultRaw("'{}'"),
    createTime: p.datetime(),
  },
  indexes: [
    { name: "write_requests_created", properties: ["createTime"] },
    {
      name: "write_requests_memory_ids",
      expression:
        "create index write_requests_memory_ids on write_requests using gin (memory_ids) with (fastupdate = off)",
    },
  ],
});

export type WriteRequestRow = InferEntity<typeof WriteRequestEntity>;
