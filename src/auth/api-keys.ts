import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { EntityManager } from "@mikro-orm/sql";
import { LRUCache } from "lru-cache";
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

export interface KeyCacheOptions {
  /** Keys whose principals are kept; 0 turns the cache off. */
  max: number;
  /** The longest a cached principal is trusted without asking the database again. */
  ttlMs: number;
  /**
   * Whether a revocation elsewhere would reach this server now (see DatabaseListener); while it
   * would not, every call asks the database.
   */
  trusted: () => boolean;
}

/** A single server hears of every revocation, as they all go through it. */
export const SINGLE_SERVER_KEY_CACHE: KeyCacheOptions = { max: 10_000, ttlMs: 60_000, trusted: () => true };

/** Creating, checking and revoking API keys; shared by ApiKeyService, the CLI and start-up. */
export class ApiKeys {
  /** Principals by secret hash, so that a call costs no key lookup; emptied on every revocation. */
  private readonly cache: LRUCache<string, Principal> | null;
  /** Bumped by forgetCached(): a lookup that began before a revocation must not cache its answer. */
  private generation = 0;
  private readonly revocationHandlers: (() => void)[] = [];

  constructor(
    private readonly em: EntityManager,
    private readonly cacheOptions: KeyCacheOptions = SINGLE_SERVER_KEY_CACHE,
  ) {
    this.cache = cacheOptions.max > 0 ? new LRUCache({ max: cacheOptions.max, ttl: cacheOptions.ttlMs }) : null;
  }

  /** Drops every cached principal: a key was revoked here or on another server. */
  forgetCached(): void {
    this.generation += 1;
    this.cache?.clear();
    for (const handler of this.revocationHandlers) handler();
  }

  /** Runs `handler` whenever a key may have been revoked, here or on another server. */
  onRevocation(handler: () => void): void {
    this.revocationHandlers.push(handler);
  }

  /** Of these key ids, the ones revoked by now (open streams ask: their call was authenticated long ago). */
  async revokedAmong(ids: readonly string[]): Promise<Set<string>> {
    return ids.length === 0 ? new Set() : this.repo().revokedAmong(ids);
  }

  private repo(): ApiKeyRepository {
    return new ApiKeyRepository(this.em.fork());
  }

  async create(key: NewApiKey, secret: string = newSecret()): Promise<{ record: ApiKeyRecord; secret: string }> {
    const record = await this.repo().add(
      { ...key, id: uuidv7(), createTime: new Date(), revokeTime: null },
      hashSecret(secret),
    );
    return { record, secret };
  }

  /** The principal for a bearer secret, or null when it is unknown or revoked. */
  async authenticate(secret: string): Promise<Principal | null> {
    const hash = hashSecret(secret);
    const cache = this.cacheOptions.trusted() ? this.cache : null;
    const cached = cache?.get(hash);
    if (cached !== undefined) return cached;
    const generation = this.generation;
    const record = await this.repo().findActiveByHash(hash);
    // Unknown keys are not cached: a key created on another server must work at once.
    if (record === null) return null;
    const principal: Principal = {
      keyId: record.id,
      workspaceId: record.workspaceId,
      scopes: new Set(record.scopes.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s))),
      boundAgentId: record.agentId,
    };
    if (generation === this.generation) cache?.set(hash, principal);
    return principal;
  }

  list(workspaceId: string, options: { showRevoked: boolean; afterId?: string; limit: number }) {
    return this.repo().list(workspaceId, options);
  }

  async revoke(workspaceId: string, id: string) {
    const record = await this.repo().revoke({ workspaceId, id, now: new Date() });
    this.forgetCached();
    return record;
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
