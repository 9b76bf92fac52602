/**
 * What extraction returns, and the clean-up every found name goes through before it is returned:
 * a library or a rule finds a span of the content; the graph wants the name a person would write
 * on a card ("Acme Corp", not "Acme Corp." or "Acme's"; "Alice Wong", not "Dr. Alice Wong").
 */

export type NameType = "person" | "organization" | "place" | "email" | "url";

export interface ExtractedName {
  type: NameType;
  /** The display form, e.g. "Acme Corp". */
  name: string;
  /** The exact substring of the content that was matched (after the same trimming as `name`). */
  text: string;
}

/** A found span, before clean-up: where it is in the content and what it was typed as. */
export interface Span {
  type: NameType;
  start: number;
  end: number;
}

/** A name longer than this is a run-on match (a title in capitals, a list), not a name. */
export const MAX_NAME_CHARS = 80;
const MAX_NAME_WORDS = 6;

/** Titles before a person's name: they are not part of the name the graph keys on. */
const HONORIFICS = new Set([
  "dr",
  "mr",
  "mrs",
  "ms",
  "mx",
  "miss",
  "prof",
  "professor",
  "sir",
  "dame",
  "lord",
  "lady",
  "president",
  "senator",
  "governor",
  "mayor",
  "judge",
  "rev",
  "father",
  "sister",
  "brother",
  "aunt",
  "uncle",
  "grandma",
  "grandpa",
  "captain",
  "coach",
  "officer",
  "saint",
  "st",
]);

const LEADING_JUNK = /^[\s"'“‘([{<*_-]+/u;
const TRAILING_JUNK = /[\s"'”’)\]}>*_.,;:!?-]+$/u;
const POSSESSIVE = /(?:['’]s|(?<=s)['’])$/u;
const HAS_LETTER = /\p{L}/u;
const HAS_UPPER = /\p{Lu}/u;

/**
 * The name inside a span of `content`, as `{ name, text }`, or undefined when nothing name-like is
 * left. `text` stays an exact substring of the content; `name` only differs from it by spacing.
 */
export const cleanSpan = (content: string, span: Span): ExtractedName | undefined => {
  let start = span.start;
  let end = span.end;
  // Trim from both ends until nothing changes: "(Acme's)." needs the brackets, the full stop and
  // the possessive off, in that order.
  for (let changed = true; changed && start < end;) {
    const before = [start, end];
    const piece = content.slice(start, end);
    start += piece.length - piece.replace(LEADING_JUNK, "").length;
    const rest = content.slice(start, end);
    end -= rest.length - rest.replace(TRAILING_JUNK, "").replace(POSSESSIVE, "").length;
    changed = before[0] !== start || before[1] !== end;
  }
  start += leadingNonNameLength(content.slice(start, end), span.type);
  const text = content.slice(start, end);
  const name = text.replace(/\s+/gu, " ");
  // A title alone ("President" where compromise split "President Biden") names nobody.
  if (span.type === "person" && HONORIFICS.has(name.replace(/\.$/u, "").toLowerCase())) return undefined;
  if (!HAS_LETTER.test(name) || name.length > MAX_NAME_CHARS || name.split(" ").length > MAX_NAME_WORDS) {
    return undefined;
  }
  return { type: span.type, name, text };
};

/**
 * How many characters at the start of a person, organisation or place are not the name: a title
 * ("Dr. "), a number ("12 Baker Street") or lower-case words before a capitalised name ("sister
 * Rachel", "coast of Belize", "northern California"). A name written all in lower case ("jake")
 * keeps its words, since there is nothing to tell name from prefix.
 */
const leadingNonNameLength = (text: string, type: NameType): number => {
  if (type === "email" || type === "url") return 0;
  const words = [...text.matchAll(/\S+/gu)];
  const capitalised = words.some((w) => HAS_UPPER.test(w[0]));
  let cut = 0;
  // The last word always stays: a name is never all prefix.
  for (const [i, w] of words.slice(0, -1).entries()) {
    const word = w[0];
    const title = type === "person" && HONORIFICS.has(word.replace(/\.$/u, "").toLowerCase());
    const number = /^\d[\d,.]*$/u.test(word);
    const lower = capitalised && !HAS_UPPER.test(word);
    if (!title && !number && !lower) break;
    cut = words[i + 1]?.index ?? cut;
  }
  return cut;
};

/** The key names are deduplicated on: one type, one name, whatever its case or spacing. */
export const nameKey = (name: Pick<ExtractedName, "type" | "name">): string =>
  `${name.type}:${name.name.normalize("NFC").toLowerCase()}`;
