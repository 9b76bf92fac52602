import { STOP_WORDS, wordsOf } from "../../words.js";

/**
 * Why a content carries nothing worth remembering, or null when it does: after normalisation
 * it is empty, or holds only punctuation and symbols, or only English stop words.
 */
export function lowInformationReason(content: string): string | null {
  const words = wordsOf(content);
  if (content.trim() === "") return "low information: the content is empty once white space is removed";
  if (words.length === 0) return "low information: the content holds only punctuation or symbols";
  if (words.every((w) => STOP_WORDS.has(w))) return "low information: the content holds only stop words";
  return null;
}
