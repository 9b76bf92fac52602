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
    createTime: p.datetime(),
  },
  indexes: [{ name: "write_requests_created", properties: ["createTime"] }],
});

export type WriteRequestRow = InferEntity<typeof WriteRequestEntity>;
