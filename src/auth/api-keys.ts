import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { EntityManager } from "@mikro-orm/sql";
import { v7 as uuidv7 } from "uuid";
import { ApiKeyRepository, type ApiKeyRecord } from "./api-key.repository.js";
import { SCOPES, type Principal, type Scope } from "./principal.js";
import { hashSecret, newSecret } from "./secrets.js";

export interface NewApiKey {
  workspaceId: string;
  displayName: string;
  scopes: Scope[];
  agentId: string | null;
}

/** Creating, checking and revoking API keys; shared by ApiKeyService, the CLI and start-up. */
export class ApiKeys {
  constructor(private readonly em: EntityManager) {}

  private repo(): ApiKeyRepository {
    return new ApiKeyRepository(this.em.fork());
  }

  async create(key: NewApiKey, secret: string = newSecret()): Promise<{ record: ApiKeyRecord; secret: string }> {
    const record = await this.repo().insert(
      { ...key, id: uuidv7(), createTime: new Date(), revokeTime: null },
      hashSecret(secret),
    );
    return { record, secret };
  }

  /** The principal for a bearer secret, or null when it is unknown or revoked. */
  async authenticate(secret: string): Promise<Principal | null> {
    const record = await this.repo().findActiveByHash(hashSecret(secret));
    if (record === null) return null;
    return {
      keyId: record.id,
      workspaceId: record.workspaceId,
      scopes: new Set(record.scopes.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s))),
      boundAgentId: record.agentId,
    };
  }

  list(workspaceId: string, options: { showRevoked: boolean; afterId?: string; limit: number }) {
    return this.repo().list(workspaceId, options);
  }

  revoke(workspaceId: string, id: string) {
    return this.repo().revoke(workspaceId, id, new Date());
  }

  /**
   * On first start (no keys at all) creates an admin key for workspace "default", from
   * ENGRAM_API_KEY when given, and writes it to <dataDir>/admin.key with mode 0600.
   * Returns the file's path when a key was created.
   */
  async bootstrap(dataDir: string, presetSecret: string | undefined): Promise<string | null> {
    if ((await this.repo().countAll()) > 0) return null;
    const { secret } = await this.create(
      {
        workspaceId: "default",
        displayName: "bootstrap admin",
        scopes: ["admin", "memory:read", "memory:write"],
        agentId: null,
      },
      presetSecret,
    );
    const path = join(dataDir, "admin.key");
    await writeFile(path, secret + "\n", { mode: 0o600 });
    await chmod(path, 0o600);
    return path;
  }
}

/** Reads the bootstrap admin key back, for the CLI and tests. */
export async function readAdminKey(dataDir: string): Promise<string> {
  return (await readFile(join(dataDir, "admin.key"), "utf8")).trim();
}
