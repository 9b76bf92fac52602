import { STOP_WORDS, wordsOf } from "../words.js";

/** The words that identify a name: case-folded, punctuation dropped, stop words left out. */
export function nameWords(text: string): string[] {
  return wordsOf(text).filter((w) => !STOP_WORDS.has(w));
}

/**
 * The names and identifiers a query mentions, for entity-aware ranking: a memory is named by the
 * query when one of its names (its subject id, a linked entity's id, its title) has every one of
 * its identifying words among the query's. "What did ACME Corp. say?" names the subject
 * "acme-corp"; a name made only of stop words names nothing.
 */
export class QueryNames {
  private readonly words: ReadonlySet<string>;

  constructor(query: string) {
    this.words = new Set(nameWords(query));
  }

  /** Whether the query holds no identifying word at all, so it names nothing. */
  get empty(): boolean {
    return this.words.size === 0;
  }

  names(names: readonly string[]): boolean {
    return names.some((name) => {
      const words = nameWords(name);
      return words.length > 0 && words.every((w) => this.words.has(w));
    });
  }
}
