import { randomBytes } from "node:crypto";
import { SqlEntityRepository, type EntityManager } from "@mikro-orm/sql";
import { ServerSecretEntity, type ServerSecretRow } from "./server-secret.entity.js";

export type SecretName = "page_tokens";

/**
 * Secrets shared by every server of a cluster, kept in the database: the first server to ask
 * creates one, every later server (and restart) reads the same.
 */
export class ServerSecretRepository extends SqlEntityRepository<ServerSecretRow> {
  constructor(em: EntityManager) {
    super(em, ServerSecretEntity);
  }

  async getOrCreate(name: SecretName): Promise<Buffer> {
    // Two servers starting at once both insert; the conflict keeps the first, and both read it.
    await this.qb()
      .insert({ name, secret: randomBytes(32), createTime: new Date() })
      .onConflict("name")
      .ignore()
      .execute("run");
    const row = await this.findOneOrFail({ name }, { disableIdentityMap: true });
    return Buffer.from(row.secret);
  }
}
