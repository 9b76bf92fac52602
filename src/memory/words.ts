import { eng } from "stopword";

/** English stop words (the stopword package's list), as wordsOf() spells them. */
export const STOP_WORDS: ReadonlySet<string> = new Set(eng);

/** Words as Engram compares them: runs of letters, digits and marks, NFKC-normalised and case-folded. */
export function wordsOf(text: string): string[] {
  return (
    text
      .normalize("NFKC")
      .toLowerCase()
      .match(/[\p{L}\p{N}\p{M}]+/gu) ?? []
  );
}
