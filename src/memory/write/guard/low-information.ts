import { eng } from "stopword";

const STOP_WORDS: ReadonlySet<string> = new Set(eng);

/** Words as the guard counts them: runs of letters, digits and marks, case-folded. */
function wordsOf(content: string): string[] {
  return (
    content
      .normalize("NFKC")
      .toLowerCase()
      .match(/[\p{L}\p{N}\p{M}]+/gu) ?? []
  );
}

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
