import { numbersOf } from "./numbers.js";

/**
 * Possible conflicts at least this similar can contradict a write; below it, two sentences that
 * differ in a number or a negation are more likely about different things. Measured by
 * bench/guard.ts (labelled conflicts, paraphrases and LoCoMo observations): see bench/README.md.
 */
export const CONTRADICTION_SIMILARITY = 0.7;

// "n't" after a letter covers don't, isn't, can't, won't, doesn't and the rest.
const NEGATION = /\b(?:not|no|never|none|nobody|nothing|neither|nor|cannot|without|anymore)\b|\p{L}n['’]t\b/iu;

/**
 * Why a close memory of the same owner, subject and kind contradicts a written content, or null:
 * the two are close in wording and state different numbers ("34 years old", "35 years old"), or
 * one negates what the other does not. A rule, not a language model: bench/guard.ts reports how
 * often it marks pairs that do not contradict.
 */
export function contradictionOf(content: string, other: string, similarity: number): string | null {
  if (similarity < CONTRADICTION_SIMILARITY) return null;
  const numbers = numbersOf(content);
  const otherNumbers = numbersOf(other);
  if (numbers !== "" && otherNumbers !== "" && numbers !== otherNumbers) {
    return `close wording with different numbers (${otherNumbers} before, ${numbers} now)`;
  }
  const negated = NEGATION.test(content);
  if (negated !== NEGATION.test(other)) {
    return negated ? "close wording, negated now" : "close wording, negated before";
  }
  return null;
}
