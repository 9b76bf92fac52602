/**
 * The extractors decision 0023 measured against the shipped one (src/graph/extraction/):
 * - compromise as it comes: its people(), organizations() and places() with no clean-up, and
 *   the same rules for emails and URLs as the shipped extractor, so the rows differ only in names;
 * - wink-nlp with its packaged lite English model: its named entities have no person,
 *   organisation or place (they are dates, numbers, emails, URLs, hashtags...), so names are runs
 *   of the words its tagger calls proper nouns, typed by the same cues the shipped extractor uses
 *   for words compromise does not know (a company word in the name, then the word before it).
 */
import nlp from "compromise";
import winkNLP from "wink-nlp";
import model from "wink-eng-lite-web-model";
import { findContacts } from "../../src/graph/extraction/contacts.js";
import type { Found, NameType } from "./score.js";

const contacts = (text: string): Found[] =>
  findContacts(text).map((s) => ({ type: s.type, name: text.slice(s.start, s.end) }));

export const compromiseRaw = (text: string): Found[] => {
  const doc = nlp(text);
  const names = (type: NameType, view: { out: (how: "array") => unknown }): Found[] => {
    const out = view.out("array");
    return Array.isArray(out) ? out.map((name) => ({ type, name: String(name) })) : [];
  };
  return [
    ...names("person", doc.people()),
    ...names("organization", doc.organizations()),
    ...names("place", doc.places()),
    ...contacts(text),
  ];
};

const wink = winkNLP(model);
const its = wink.its;
const ORGANIZATION_WORDS =
  /\b(?:inc|corp|ltd|llc|labs|systems|analytics|capital|bank|university|college|hospital)\.?$/i;
const PLACE_BEFORE = new Set(["in", "to", "near", "from", "into"]);
const ORGANIZATION_BEFORE = new Set(["at", "for", "joined", "with"]);

export const winkProperNouns = (text: string): Found[] => {
  const doc = wink.readDoc(text);
  const words = doc.tokens().out();
  const tags = doc.tokens().out(its.pos);
  const found: Found[] = [];
  for (let i = 0; i < words.length;) {
    if (tags[i] !== "PROPN") {
      i++;
      continue;
    }
    const first = i;
    while (i < words.length && tags[i] === "PROPN") i++;
    const name = words.slice(first, i).join(" ");
    const before = (words[first - 1] ?? "").toLowerCase();
    const type: NameType = ORGANIZATION_WORDS.test(name)
      ? "organization"
      : PLACE_BEFORE.has(before)
        ? "place"
        : ORGANIZATION_BEFORE.has(before)
          ? "organization"
          : "person";
    found.push({ type, name });
  }
  for (const e of doc.entities().out(its.detail) as unknown as { value: string; type: string }[]) {
    if (e.type === "EMAIL") found.push({ type: "email", name: e.value });
    if (e.type === "URL") found.push({ type: "url", name: e.value });
  }
  return found;
};
