/**
 * extractNames: the people, organisations, places, emails and URLs a memory's content names.
 *
 * Cost is bounded whatever the content: only the first MAX_ANALYSED_CHARS are read (cut at a
 * space so no word is split), and at most MAX_NAMES names come back, in order of first mention.
 * It never throws: a failure inside the NLP library loses the people, organisations and places
 * of that one content, not the write that asked for them.
 */
import { findContacts } from "./contacts.js";
import { cleanSpan, nameKey, type ExtractedName, type Span } from "./names.js";
import { findPeoplePlaces } from "./people-places.js";

/**
 * Characters of content analysed; the rest is not read. compromise costs about 7 µs a character
 * on one core, so this holds the worst case near 30 ms (decision 0023).
 */
export const MAX_ANALYSED_CHARS = 4_000;
/** Names returned per content at most. */
export const MAX_NAMES = 32;

export const extractNames = (content: string): ExtractedName[] => {
  if (typeof content !== "string" || content.length === 0) return [];
  const text = analysedPart(content);
  const contacts = findContacts(text);
  let spans: Span[];
  try {
    spans = findPeoplePlaces(text);
  } catch {
    spans = [];
  }
  // A name inside an email or URL ("acme" in "sales@acme.com") is part of the address.
  const inContact = (s: Span) => contacts.some((c) => s.start < c.end && c.start < s.end);
  // A name inside a longer one ("Miami" in "Inter Miami") is part of it.
  const inLonger = (s: Span) =>
    spans.some((o) => o.start <= s.start && s.end <= o.end && o.end - o.start > s.end - s.start);
  const nlpNames = spans.filter((s) => !inContact(s) && !inLonger(s));
  const all = [...contacts, ...nlpNames].sort((a, b) => a.start - b.start);
  const names: ExtractedName[] = [];
  const seen = new Set<string>();
  for (const span of all) {
    const name = cleanSpan(text, span);
    if (name === undefined || seen.has(nameKey(name))) continue;
    seen.add(nameKey(name));
    names.push(name);
    if (names.length === MAX_NAMES) break;
  }
  return names;
};

/** The first MAX_ANALYSED_CHARS of the content, cut back to the last whitespace before it. */
const analysedPart = (content: string): string => {
  if (content.length <= MAX_ANALYSED_CHARS) return content;
  const cut = content.slice(0, MAX_ANALYSED_CHARS);
  const space = cut.search(/\s\S*$/u);
  return space > MAX_ANALYSED_CHARS / 2 ? cut.slice(0, space) : cut;
};
