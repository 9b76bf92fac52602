import { randomBytes } from "node:crypto";
import type { EntityManager } from "@mikro-orm/sql";
import { query, sql } from "./sql.js";

export type SecretName = "page_tokens";

/**
 * Secrets shared by every server of a cluster, kept in the database: the first server to ask
 * creates one, every later server (and restart) reads the same.
 */
export class ServerSecretRepository {
  constructor(private readonly db: EntityManager) {}

  async getOrCreate(name: SecretName): Promise<Buffer> {
    // Two servers starting at once both insert; the conflict keeps the first, and both read it.
    await query(
      this.db,
      sql`insert into server_secrets (name, secret, create_time) values (${name}, ${randomBytes(32)}, ${new Date()})
        on conflict (name) do nothing`,
    );
    const rows = await query<{ secret: Uint8Array }>(
      this.db,
      sql`select secret from server_secrets where name = ${name}`,
    );
    const row = rows[0];
    if (row === undefined) throw new Error(`server secret ${name} is missing after insert`);
    return Buffer.from(row.secret);
  }
}
