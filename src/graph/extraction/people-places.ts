/**
 * People, organisations and places, by compromise (in-process, its lexicon ships in the package:
 * no model download, no network). Decision 0023 says why this library and what it scores.
 *
 * compromise finds names it knows, or that carry a known first name, company suffix or place
 * word. A capitalised word it does not know ("Hooli", "Sapa") it tags only as a proper noun; such
 * runs are typed here by the word before them ("at Hooli", "in Sapa") or a company word in them
 * ("Fjord Labs"), and otherwise left out: an untyped name would be a guess.
 */
import { createRequire } from "node:module";
import type nlpModule from "compromise";
import type { NameType, Span } from "./names.js";

/**
 * compromise, loaded when a content is first read: its lexicon takes 0.3 s of CPU to load, which
 * a process that never extracts (a CLI command, a server that is only read) should not pay at
 * start-up. Loaded synchronously so extraction stays a plain function call.
 */
let loaded: typeof nlpModule | undefined;
function nlp(text: string): ReturnType<typeof nlpModule> {
  loaded ??= createRequire(import.meta.url)("compromise") as typeof nlpModule;
  return loaded(text);
}

/** The shape of compromise's `json({ offset: true })` that is read here; the rest is ignored. */
interface Offset {
  start: number;
  length: number;
}
interface Term {
  text: string;
  normal: string;
  post: string;
  tags: string[];
  offset: Offset;
}

/** Acronyms compromise takes for organisations that are roles or terms of business. */
const NOT_ORGANIZATIONS = new Set([
  "ceo",
  "cto",
  "cfo",
  "coo",
  "cio",
  "cmo",
  "vp",
  "hr",
  "qa",
  "it",
  "pr",
  "nda",
  "sso",
  "api",
  "sla",
  "kpi",
  "okr",
  "crm",
  "gdpr",
  "saas",
  "b2b",
  "faq",
  "pdf",
  "csv",
  "url",
  "visa",
]);
/** Places compromise takes for organisations. */
const PLACE_ACRONYMS = new Set(["uk", "eu", "us", "usa", "uae", "emea", "apac", "latam", "nyc"]);
/** Words that end the names of organisations ("Bloom Analytics", "Fjord Labs"). */
const ORGANIZATION_WORDS = new Set([
  "inc",
  "corp",
  "corporation",
  "ltd",
  "llc",
  "plc",
  "gmbh",
  "ag",
  "sa",
  "co",
  "company",
  "labs",
  "systems",
  "analytics",
  "capital",
  "ventures",
  "partners",
  "group",
  "holdings",
  "industries",
  "technologies",
  "software",
  "solutions",
  "bank",
  "health",
  "hospital",
  "clinic",
  "university",
  "college",
  "school",
  "institute",
  "foundation",
  "library",
  "airlines",
  "airways",
  "motors",
]);
/** The word before an unknown proper noun that says what it is. */
const ORGANIZATION_BEFORE = new Set(["at", "for", "joined", "from", "with"]);
const PLACE_BEFORE = new Set(["in", "to", "near", "into", "across", "around", "via"]);
/** Tags that mean a proper noun is not a name of the three kinds (a month, a number, a day). */
const NOT_NAME_TAGS = ["Date", "Value", "Pronoun", "Verb", "Person", "Place", "Organization"];

const offsetsOf = (matches: unknown): Offset[] =>
  Array.isArray(matches) ? matches.flatMap((m: { offset?: Offset }) => (m.offset === undefined ? [] : [m.offset])) : [];

export const findPeoplePlaces = (content: string): Span[] => {
  const doc = nlp(content);
  const spans: Span[] = [];
  const add = (type: NameType, offsets: Offset[]) => {
    for (const o of offsets) spans.push({ type, start: o.start, end: o.start + o.length });
  };
  add("person", offsetsOf(doc.people().json({ offset: true })));
  add("place", splitPlaces(content, offsetsOf(doc.places().json({ offset: true }))));
  // "Brooklyn Public Library", "Fjord Labs": a company word at the end outweighs a place or a
  // first name inside.
  for (const span of spans) if (endsInOrganizationWord(content, span)) span.type = "organization";
  for (const o of offsetsOf(doc.organizations().json({ offset: true }))) {
    const word = content
      .slice(o.start, o.start + o.length)
      .replace(/[^\p{L}\p{N}]+$/u, "")
      .toLowerCase();
    if (NOT_ORGANIZATIONS.has(word)) continue;
    add(PLACE_ACRONYMS.has(word) ? "place" : "organization", [o]);
  }
  const sentences: unknown = doc.json({ offset: true, terms: { offset: true } });
  if (Array.isArray(sentences)) {
    for (const s of sentences as { terms?: Term[] }[]) spans.push(...unknownProperNouns(s.terms ?? []));
  }
  return spans;
};

/** "Seattle, Washington" is two places, as a reader would list them. */
const splitPlaces = (content: string, offsets: Offset[]): Offset[] =>
  offsets.flatMap((o) => {
    const parts: Offset[] = [];
    let start = o.start;
    const text = content.slice(o.start, o.start + o.length);
    for (const comma of text.matchAll(/,\s*/gu)) {
      parts.push({ start, length: o.start + comma.index - start });
      start = o.start + comma.index + comma[0].length;
    }
    parts.push({ start, length: o.start + o.length - start });
    return parts;
  });

const endsInOrganizationWord = (content: string, span: Span): boolean => {
  const words =
    content
      .slice(span.start, span.end)
      .toLowerCase()
      .match(/\p{L}+/gu) ?? [];
  return words.length > 1 && ORGANIZATION_WORDS.has(words.at(-1) ?? "");
};

/** Runs of proper nouns compromise did not type, typed by the word before them or their last word. */
const unknownProperNouns = (terms: Term[]): Span[] => {
  const spans: Span[] = [];
  let i = 0;
  while (i < terms.length) {
    const first = i;
    while (isUntypedProperNoun(terms[i]) && (i === first || !breaks(terms[i - 1]))) i++;
    if (i === first) {
      i++;
      continue;
    }
    // "Air France", "Inter Miami": unknown words run on into a place they are named after.
    while (terms[i]?.tags.includes("Place") && !breaks(terms[i - 1])) i++;
    const lastTerm = terms[i - 1];
    const last = lastTerm?.normal.replace(/\.$/u, "") ?? "";
    // A company word takes the capitalised words before it that compromise left untagged, as the
    // first word of a sentence is ("Bloom Analytics is...").
    let from = first;
    while (ORGANIZATION_WORDS.has(last) && isCapitalisedNoun(terms[from - 1])) from--;
    const before = terms[from - 1]?.normal ?? "";
    const type: NameType | undefined = ORGANIZATION_WORDS.has(last)
      ? "organization"
      : PLACE_BEFORE.has(before)
        ? "place"
        : ORGANIZATION_BEFORE.has(before)
          ? "organization"
          : undefined;
    const start = terms[from]?.offset.start;
    if (type !== undefined && start !== undefined && lastTerm !== undefined) {
      spans.push({ type, start, end: lastTerm.offset.start + lastTerm.offset.length });
    }
  }
  return spans;
};

const isUntypedProperNoun = (t: Term | undefined): boolean =>
  t !== undefined && t.tags.includes("ProperNoun") && !NOT_NAME_TAGS.some((tag) => t.tags.includes(tag));

const isCapitalisedNoun = (t: Term | undefined): boolean =>
  t !== undefined && t.tags.includes("Noun") && /^\p{Lu}/u.test(t.text) && !breaks(t);

/** Punctuation after a term ends a name: "Acme, Globex and Initech" are three. */
const breaks = (t: Term | undefined): boolean => t === undefined || /[,;:()!?]/u.test(t.post);
