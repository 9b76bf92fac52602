import { LRUCache } from "lru-cache";
import type { WorkspaceSearchSettings } from "../memory/search/search-request.js";

/**
 * How long a server uses a workspace's settings before reading them again: a change made through
 * another server reaches this one's searches within this time (this server's own at once).
 */
export const SETTINGS_CACHE_TTL_MS = 5_000;

/** The most workspaces whose settings a server keeps at once: memory stays bounded. */
const MAX_CACHED_WORKSPACES = 10_000;

/**
 * Each workspace's search settings as its searches read them: one query per workspace every
 * SETTINGS_CACHE_TTL_MS at most, shared by the searches that ask meanwhile, rather than one per search.
 */
export class SearchSettingsCache {
  private readonly cache: LRUCache<string, WorkspaceSearchSettings>;

  constructor(read: (workspaceId: string) => Promise<WorkspaceSearchSettings>, ttlMs = SETTINGS_CACHE_TTL_MS) {
    this.cache = new LRUCache({
      max: MAX_CACHED_WORKSPACES,
      ttl: ttlMs,
      fetchMethod: (workspaceId) => read(workspaceId),
    });
  }

  async get(workspaceId: string): Promise<WorkspaceSearchSettings> {
    const settings = await this.cache.fetch(workspaceId);
    // fetch answers undefined only when the read does, which it never does.
    if (settings === undefined) throw new Error("search settings read gave nothing");
    return settings;
  }

  /** Reads the workspace's settings afresh on its next search (it changed them here). */
  forget(workspaceId: string): void {
    this.cache.delete(workspaceId);
  }
}
