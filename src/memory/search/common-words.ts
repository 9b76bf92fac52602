import { LRUCache } from "lru-cache";
import type { Viewer } from "../../auth/principal.js";
import type { FilterQuery } from "../filters.js";
import { DF_CAP, type TermCount } from "./bm25.js";

export interface CommonWordsOptions {
  /** How long a word stays known as common before it is counted again. */
  ttlMs: number;
  /** How many search scopes (viewer and filter) are remembered, least recently used dropped first. */
  maxScopes: number;
  /** How many common words one scope remembers, oldest dropped first. */
  maxWordsPerScope: number;
}

export const COMMON_WORDS_DEFAULTS: CommonWordsOptions = { ttlMs: 60_000, maxScopes: 1_000, maxWordsPerScope: 256 };

/**
 * The words that a search scope (a viewer and a filter) has found common: held by DF_CAP
 * visible memories or more. Counting such a word costs the most (the full-text index lists every
 * memory holding it, tens of thousands at 100k) and tells the least (its count is capped and its
 * memories are found by tiers either way), so a scope counts it once a minute, not per search.
 *
 * Only common words are remembered. A rarer word is counted every time: a memory written a
 * moment ago with it must be found at once. A remembered word that stops being common (its
 * memories deleted) is treated as common until it is counted again: it weighs a little less and
 * its memories are found by tiers, not scored in full. Scopes are per viewer, so a count never
 * crosses from what one key may read to another.
 */
export class CommonWords {
  private readonly scopes: LRUCache<string, Map<string, number>>;

  constructor(
    private readonly options: CommonWordsOptions = COMMON_WORDS_DEFAULTS,
    private readonly now: () => number = Date.now,
  ) {
    this.scopes = new LRUCache({ max: options.maxScopes });
  }

  /** The words this scope found common within the last ttlMs. */
  known(scope: string): string[] {
    const words = this.scopes.get(scope);
    if (words === undefined) return [];
    const now = this.now();
    const known: string[] = [];
    for (const [word, countedAt] of words) {
      if (now - countedAt < this.options.ttlMs) known.push(word);
      else words.delete(word);
    }
    return known;
  }

  /** Forgets every scope of a workspace (countScope's key begins with it; null: of every one), as after an erasure. */
  forgetWorkspace(workspaceId: string | null): void {
    if (workspaceId === null) return this.scopes.clear();
    const prefix = JSON.stringify([workspaceId]).slice(0, -1) + ",";
    for (const scope of [...this.scopes.keys()]) if (scope.startsWith(prefix)) this.scopes.delete(scope);
  }

  /** Remembers the words just counted as common in this scope, and forgets those no longer so. */
  record(scope: string, counted: readonly TermCount[]): void {
    let words = this.scopes.get(scope);
    const now = this.now();
    for (const { lexeme, df } of counted) {
      if (df < DF_CAP) {
        words?.delete(lexeme);
        continue;
      }
      if (words === undefined) this.scopes.set(scope, (words = new Map()));
      words.delete(lexeme); // re-inserted last: the Map's order is the order words were counted in
      words.set(lexeme, now);
      const [oldest] = words.keys();
      if (words.size > this.options.maxWordsPerScope && oldest !== undefined) words.delete(oldest);
    }
  }
}

/**
 * What a word's count depends on besides the word: who reads (visibility) and the filter. The
 * search's own clock is left out: it moves every search, and only expiry, which a minute barely
 * moves, depends on it.
 */
export function countScope(viewer: Viewer, filter: FilterQuery): string {
  return JSON.stringify([viewer.workspaceId, viewer.admin ? null : viewer.agentId, viewer.admin, filter]);
}
