import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

/** The `api_keys` table: only a hash of each secret is stored. */
export const ApiKeySchema = defineEntity({
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
});

export type ApiKeyEntity = InferEntity<typeof ApiKeySchema>;
