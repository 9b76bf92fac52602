import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { DEFAULT_SEARCH_SETTINGS } from "../memory/search/search-request.js";
import { SearchSettingsCache } from "./search-settings-cache.js";

describe("SearchSettingsCache", () => {
  it("reads a workspace once for the searches that ask meanwhile, again after its time or a change here", async () => {
    const reads: string[] = [];
    const cache = new SearchSettingsCache(async (workspaceId) => {
      reads.push(workspaceId);
      return { ...DEFAULT_SEARCH_SETTINGS, semanticWeight: reads.length / 10 };
    }, 50);
    const first = await Promise.all([cache.get("a"), cache.get("a"), cache.get("b")]);
    expect(reads).toEqual(["a", "b"]);
    expect(first[0]).toEqual(first[1]);
    cache.forget("a");
    expect((await cache.get("a")).semanticWeight).toBe(0.3);
    await sleep(80);
    await cache.get("b");
    expect(reads).toEqual(["a", "b", "a", "b"]);
  });

  it("passes a failed read to its searches and reads again on the next", async () => {
    let fail = true;
    const cache = new SearchSettingsCache(async () => {
      if (fail) throw new Error("database down");
      return DEFAULT_SEARCH_SETTINGS;
    });
    await expect(cache.get("a")).rejects.toThrow("database down");
    fail = false;
    await expect(cache.get("a")).resolves.toEqual(DEFAULT_SEARCH_SETTINGS);
  });
});
