import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

/** The `api_keys` table: only a hash of each secret is stored. */
export const ApiKeyEntity = defineEntity({
  name: "ApiKey",
  tableName: "api_keys",
  properties: {
    workspaceId: p.text().primary(),
    id: p.uuid().primary(),
    keyHash: p.text(),
    displayName: p.text().default(""),
    scopes: p.array(),
    agentId: p.text().nullable(),
    createTime: p.datetime(),
    revokeTime: p.datetime().nullable(),
  },
  uniques: [{ name: "api_keys_hash", properties: ["workspaceId", "keyHash"] }],
  // Authentication looks keys up by hash alone, before the workspace is known.
  indexes: [{ name: "api_keys_hash_lookup", properties: ["keyHash"] }],
});

export type ApiKeyRow = InferEntity<typeof ApiKeyEntity>;
