import { numbersOf } from "./numbers.js";

/**
 * Possible conflicts at least this similar can contradict a write; below it, two sentences that
 * differ in a number or a negation are more likely about different things. Measured by
 * bench/guard.ts (labelled conflicts, paraphrases and LoCoMo observations): see bench/README.md.
 */
export const CONTRADICTION_SIMILARITY = 0.7;

const NEGATIONS = new Set(["not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "cannot", "without"]);
/** Words between a negation and what it negates: "not to give up", "never a tea drinker". */
const FILLERS = new Set(["to", "a", "an", "the", "be", "been", "being", "any", "at", "all", "really", "so", "very"]);

/**
 * Why a close memory of the same owner, subject and kind contradicts a written content, or null:
 * the two are close in wording and state different numbers ("34 years old", "35 years old"), or
 * one negates a word the other states ("never tea", "prefers tea"). A rule, not a language
 * model: bench/guard.ts reports how often it marks pairs that do not contradict.
 */
export function contradictionOf(content: string, other: string, similarity: number): string | null {
  if (similarity < CONTRADICTION_SIMILARITY) return null;
  const numbers = numbersOf(content);
  const otherNumbers = numbersOf(other);
  if (numbers !== "" && otherNumbers !== "" && numbers !== otherNumbers) {
    return `close wording with different numbers (${otherNumbers} before, ${numbers} now)`;
  }
  const negatedNow = negatedWords(content);
  const negatedBefore = negatedWords(other);
  const statedBefore = wordsOf(other);
  const statedNow = wordsOf(content);
  const now = [...negatedNow].find((w) => statedBefore.has(w) && !negatedBefore.has(w));
  if (now !== undefined) return `close wording, "${now}" negated now`;
  const before = [...negatedBefore].find((w) => statedNow.has(w) && !negatedNow.has(w));
  return before === undefined ? null : `close wording, "${before}" negated before`;
}

function wordsOf(text: string): Set<string> {
  return new Set(tokens(text));
}

/** The word each negation of a text bears on: the first after it that is not a filler. */
function negatedWords(text: string): Set<string> {
  const words = tokens(text);
  const negated = new Set<string>();
  words.forEach((word, i) => {
    if (!NEGATIONS.has(word) && !/n't$/.test(word)) return;
    const target = words.slice(i + 1).find((w) => !FILLERS.has(w));
    if (target !== undefined) negated.add(target);
  });
  return negated;
}

function tokens(text: string): string[] {
  return (
    text
      .normalize("NFKC")
      .toLowerCase()
      .replace(/’/g, "'")
      .match(/[\p{L}\p{N}']+/gu) ?? []
  );
}
