import { normalisedName } from "../../graph/content-mentions.js";
import { STOP_WORDS, wordsOf } from "../words.js";

/** The longest name looked for, in words ("Bank of New England"). */
const MAX_NAME_WORDS = 4;

/** The query's words read for names: each costs up to MAX_NAME_WORDS keys to look up. */
const MAX_QUERY_WORDS = 64;

/** Quotes and punctuation around a word, not part of a name ("(Acme", "Sarah's", "Corp.?"). */
const AROUND_A_WORD = /^[^\p{L}\p{N}]+|(?:['’]s)?[^\p{L}\p{N}]*$/gu;

/**
 * The keys under which an entity the query names would be found: every run of one to
 * MAX_NAME_WORDS consecutive words, as entity_names.name_key and entities.match_keys hold names
 * (lower case, single spaces), with quotes, possessives and sentence punctuation trimmed from
 * each word ("What did Acme Corp. tell Sarah's team?" -> "acme", "acme corp", "sarah", ...). A run
 * of stop words only is no name. Runs are looked up rather than names extracted from the query:
 * the lookup is one index probe per key, questions are often lower case, and the extractor,
 * tuned on statements, costs about half a millisecond a sentence (decision 0026).
 */
export function queryNameKeys(query: string): string[] {
  const words = query
    .split(/\s+/u)
    .map((w) => w.replace(AROUND_A_WORD, ""))
    .filter((w) => w !== "")
    .slice(0, MAX_QUERY_WORDS);
  const keys = new Set<string>();
  for (let start = 0; start < words.length; start++) {
    for (let end = start + 1; end <= Math.min(words.length, start + MAX_NAME_WORDS); end++) {
      const run = words.slice(start, end);
      if (run.every((w) => wordsOf(w).every((part) => STOP_WORDS.has(part)))) continue;
      keys.add(normalisedName(run.join(" ")));
    }
  }
  return [...keys];
}
