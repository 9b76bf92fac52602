/**
 * Scoring for `npm run bench:entities`: the labelled set, and precision, recall and F1 of an
 * extractor's names and relations against it. Names are compared per sentence as sets of
 * (type, key); the key forgives what a reader would not count as a different name (case,
 * spacing, a leading "the", a trailing possessive or full stop) and nothing else, so an
 * extractor that returns "Dr. Alice Wong" for "Alice Wong" is wrong, as an integrator would
 * find it.
 */
import { readFileSync } from "node:fs";

export const TYPES = ["person", "organization", "place", "email", "url"] as const;
export type NameType = (typeof TYPES)[number];

export interface Labelled {
  text: string;
  entities: { type: NameType; text: string }[];
  relations: { subject: string; predicate: string; object: string }[];
}

/** A name as an extractor gives it; any extractor's output is reduced to these. */
export interface Found {
  type: NameType;
  name: string;
}

export interface FoundRelation {
  subject: string;
  predicate: string;
  object: string;
}

export const loadLabelled = (path: string): Labelled[] =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Labelled);

/** Lines 1, 3, 5... were used to tune the clean-up (dev); lines 2, 4, 6... were not (held out). */
export const isDev = (index: number): boolean => index % 2 === 0;

export const keyOf = (name: string): string =>
  name
    .normalize("NFC")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^the /, "")
    .replace(/['’]s$|(?<=s)['’]$/, "")
    .replace(/[.,;:!?)]+$/, "");

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

const empty = (): Counts => ({ tp: 0, fp: 0, fn: 0 });

/** Adds one sentence's sets to the counts under `label`. */
const tally = (counts: Map<string, Counts>, label: string, gold: Set<string>, got: Set<string>): void => {
  const c = counts.get(label) ?? empty();
  for (const g of gold) if (got.has(g)) c.tp++;
  c.fn += [...gold].filter((g) => !got.has(g)).length;
  c.fp += [...got].filter((g) => !gold.has(g)).length;
  counts.set(label, c);
};

/** Errors kept for printing: what was missed and what was wrongly found, per sentence. */
export interface Miss {
  text: string;
  missed: string[];
  wrong: string[];
}

export const scoreNames = (set: Labelled[], found: Found[][]): { counts: Map<string, Counts>; misses: Miss[] } => {
  const counts = new Map<string, Counts>();
  const misses: Miss[] = [];
  set.forEach((item, i) => {
    const gold = new Set(item.entities.map((e) => `${e.type}:${keyOf(e.text)}`));
    const got = new Set((found[i] ?? []).map((f) => `${f.type}:${keyOf(f.name)}`));
    for (const type of TYPES) {
      const mine = (s: Set<string>) => new Set([...s].filter((k) => k.startsWith(`${type}:`)));
      tally(counts, type, mine(gold), mine(got));
    }
    tally(counts, "all", gold, got);
    const untyped = (s: Set<string>) => new Set([...s].map((k) => k.slice(k.indexOf(":") + 1)));
    tally(counts, "any type", untyped(gold), untyped(got));
    const missed = [...gold].filter((g) => !got.has(g));
    const wrong = [...got].filter((g) => !gold.has(g));
    if (missed.length + wrong.length > 0) misses.push({ text: item.text, missed, wrong });
  });
  return { counts, misses };
};

export const scoreRelations = (set: Labelled[], found: FoundRelation[][]): Map<string, Counts> => {
  const counts = new Map<string, Counts>();
  const key = (r: FoundRelation) => `${r.predicate}|${keyOf(r.subject)}|${keyOf(r.object)}`;
  const predicates = new Set(set.flatMap((s) => s.relations.map((r) => r.predicate)));
  set.forEach((item, i) => {
    const gold = new Set(item.relations.map(key));
    const got = new Set((found[i] ?? []).map(key));
    for (const p of predicates) {
      const mine = (s: Set<string>) => new Set([...s].filter((k) => k.startsWith(`${p}|`)));
      tally(counts, p, mine(gold), mine(got));
    }
    tally(counts, "all", gold, got);
  });
  return counts;
};

export const prf = (c: Counts): { p: number; r: number; f1: number } => {
  const p = c.tp / Math.max(1, c.tp + c.fp);
  const r = c.tp / Math.max(1, c.tp + c.fn);
  return { p, r, f1: p + r === 0 ? 0 : (2 * p * r) / (p + r) };
};
