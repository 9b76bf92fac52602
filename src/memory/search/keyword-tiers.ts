/**
 * A keyword search ranks memories sharing any query word, but ranking every such memory is
 * what makes it slow on a large workspace: at 100k CRM notes a five-word question matches
 * most of the table. Memories sharing more of the question's words are the ones that rank
 * highest, so the search asks for them first and only widens while the page is short:
 * all n words, then any n-1 of them, ..., then any one. The GIN index answers a demanding
 * tier from the rarest words' posting lists, so only the tier that fills the page is ranked
 * (by BM25, with the memories holding the question's rare words: see bm25.ts).
 */

/** Tiers needing more alternatives than this are skipped: the next, wider tier covers them. */
export const MAX_CONJUNCTIONS = 64;

export interface KeywordQueries {
  /** Any word matches: the widest tier. */
  any: string;
  /** Tsquery texts to try in turn, most demanding first; the last is `any`. */
  tiers: string[];
}

/** A lexeme as a one-word tsquery, quoted so that no character in it is read as syntax. */
export function lexemeQuery(lexeme: string): string {
  return `'${lexeme.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return Math.round(result);
}

function* combinations<T>(items: readonly T[], size: number, start = 0): Generator<T[]> {
  if (size === 0) {
    yield [];
    return;
  }
  for (let i = start; i <= items.length - size; i++) {
    for (const rest of combinations(items, size - 1, i + 1)) yield [items[i] as T, ...rest];
  }
}

/** The tiered queries for a question's distinct words (`lexemeQuery`s); none without any. */
export function keywordTiers(operands: readonly string[]): KeywordQueries | null {
  if (operands.length === 0) return null;
  const any = operands.join(" | ");
  const tiers: string[] = [];
  for (let size = operands.length; size >= 2; size--) {
    if (binomial(operands.length, size) > MAX_CONJUNCTIONS) continue;
    tiers.push([...combinations(operands, size)].map((words) => `(${words.join(" & ")})`).join(" | "));
  }
  tiers.push(any);
  return { any, tiers };
}
