import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

/**
 * Secrets every server of a cluster shares (the page token signing key). Not workspace data:
 * on Citus this is a reference table, so it has no workspace_id.
 */
export const ServerSecretEntity = defineEntity({
  name: "ServerSecret",
  tableName: "server_secrets",
  properties: {
    name: p.text().primary(),
    secret: p.blob(),
    createTime: p.datetime(),
  },
});

export type ServerSecretRow = InferEntity<typeof ServerSecretEntity>;
