/**
 * extractRelations: a few relations said in plain words between names extractNames found, e.g.
 * "John Smith is the CTO of Acme Corp" -> John Smith works_at Acme Corp.
 *
 * A relation is kept only when the words between the two names are exactly one of the patterns
 * below (nothing else may stand between them), which is why it is precise and misses much: a
 * relation said across a clause ("Marcus, who founded Brightwave, now lives in Austin") or through
 * a pronoun ("He joined in 2022") is not found. Each pattern shipped measured a precision of 0.9
 * or more on bench/entities/labelled.jsonl (decision 0023). Past and negated statements ("used
 * to work at", "does not work at") and questions match no pattern, on purpose: the graph should
 * hold what is true now.
 */
import type { ExtractedName, NameType } from "./names.js";
import { MAX_ANALYSED_CHARS } from "./extract.js";

export type RelationPredicate = "works_at" | "lives_in" | "founded" | "located_in";

export interface ExtractedRelation {
  subject: ExtractedName;
  predicate: RelationPredicate;
  object: ExtractedName;
}

/** Relations returned per content at most. */
export const MAX_RELATIONS = 16;
/** Mentions of one name looked at; the same name said more often adds no new pairs in practice. */
const MAX_MENTIONS = 16;
/** Characters between subject and object at most: every pattern below fits in it. */
const MAX_GAP = 60;

/** Job words that make "X is the <job> of/at Y" employment. */
const ROLES =
  "ceo|cto|cfo|coo|cio|cmo|vp|president|director|manager|head|lead|engineer|developer|designer|" +
  "analyst|partner|counsel|officer|executive|chief|researcher|scientist|consultant|nurse|doctor|" +
  "teacher|professor|employee|recruiter|accountant|lawyer|architect";
const ROLE_PHRASE = `(?:[\\p{L}&-]+\\s+){0,3}(?:${ROLES})(?:\\s+of\\s+[\\p{L}&-]+)?\\s+(?:at|of|for)\\s+`;
const NOW = "(?:now\\s+|currently\\s+|still\\s+)?";

export interface RelationPattern {
  /** Names the pattern in the benchmark's per-pattern table. */
  id: string;
  predicate: RelationPredicate;
  subject: NameType;
  object: NameType;
  /** The whole text between the two names, subject first. */
  between: RegExp;
}

const p = (source: string) => new RegExp(`^${source}(?:the\\s+)?$`, "iu");

export const PATTERNS: readonly RelationPattern[] = [
  {
    id: "works_at: works at/for",
    predicate: "works_at",
    subject: "person",
    object: "organization",
    between: p(`\\s+${NOW}works?\\s+(?:remotely\\s+)?(?:at|for)\\s+`),
  },
  {
    id: "works_at: joined",
    predicate: "works_at",
    subject: "person",
    object: "organization",
    between: p(`\\s+(?:recently\\s+|just\\s+)?joined\\s+`),
  },
  {
    id: "works_at: heads/leads/runs",
    predicate: "works_at",
    subject: "person",
    object: "organization",
    between: p(`\\s+(?:heads|leads|runs)\\s+(?:(?:the\\s+)?[\\p{L}-]+\\s+(?:team\\s+)?at\\s+)?`),
  },
  {
    id: "works_at: is the <role> of, is employed by",
    predicate: "works_at",
    subject: "person",
    object: "organization",
    between: p(`\\s+is\\s+${NOW}(?:employed\\s+(?:by|at)\\s+|(?:the|an?)\\s+${ROLE_PHRASE})`),
  },
  {
    id: "lives_in: lives in, is based in",
    predicate: "lives_in",
    subject: "person",
    object: "place",
    between: p(`\\s+${NOW}(?:lives|resides|is\\s+based)\\s+in\\s+`),
  },
  {
    id: "lives_in: moved to",
    predicate: "lives_in",
    subject: "person",
    object: "place",
    between: p(`\\s+(?:recently\\s+|just\\s+)?(?:moved|relocated)\\s+to\\s+`),
  },
  {
    id: "founded: founded, started",
    predicate: "founded",
    subject: "person",
    object: "organization",
    between: p(`\\s+(?:co-?founded|founded|started)\\s+`),
  },
  {
    id: "founded: is the founder of",
    predicate: "founded",
    subject: "person",
    object: "organization",
    between: p(`\\s+is\\s+(?:the\\s+|a\\s+)?(?:co-?)?founder\\s+of\\s+`),
  },
  {
    id: "located_in: is headquartered/based in",
    predicate: "located_in",
    subject: "organization",
    object: "place",
    between: p(`\\s+is\\s+${NOW}(?:headquartered|based|located)\\s+in\\s+`),
  },
];

interface Mention {
  name: ExtractedName;
  start: number;
  end: number;
}

export const extractRelations = (content: string, names: readonly ExtractedName[]): ExtractedRelation[] =>
  matchRelations(content, names, PATTERNS);

/** extractRelations with the given patterns only: the benchmark measures each pattern alone. */
export const matchRelations = (
  content: string,
  names: readonly ExtractedName[],
  patterns: readonly RelationPattern[],
): ExtractedRelation[] => {
  // JavaScript callers may pass anything; the types promise nothing at run time.
  const given: unknown = names;
  if (typeof content !== "string" || !Array.isArray(given)) return [];
  const text = content.slice(0, MAX_ANALYSED_CHARS);
  const mentions = names.flatMap((name) => mentionsOf(text, name)).sort((a, b) => a.start - b.start);
  const relations: ExtractedRelation[] = [];
  const seen = new Set<string>();
  for (const [i, first] of mentions.entries()) {
    for (const second of mentions.slice(i + 1)) {
      if (second.start - first.end > MAX_GAP) break;
      if (second.start < first.end) continue;
      const between = text.slice(first.end, second.start);
      for (const pattern of patterns) {
        const [subject, object] = [first, second];
        if (subject.name.type !== pattern.subject || object.name.type !== pattern.object) continue;
        if (!pattern.between.test(between) || isQuestion(text, second.end)) continue;
        const key = `${pattern.predicate}|${subject.name.name}|${object.name.name}`.toLowerCase();
        if (seen.has(key)) continue;
        seen.add(key);
        relations.push({ subject: subject.name, predicate: pattern.predicate, object: object.name });
        if (relations.length === MAX_RELATIONS) return relations;
      }
    }
  }
  return relations;
};

/** Whether the sentence that goes on at `from` ends in a question mark: a question states nothing. */
const isQuestion = (text: string, from: number): boolean => {
  const end = text.slice(from, from + 200).search(/[.!?\n]/u);
  return end >= 0 && text[from + end] === "?";
};

/** Where a name's text stands in the content as whole words ("Tom" not in "Tomorrow"). */
const mentionsOf = (text: string, name: ExtractedName): Mention[] => {
  const found: Mention[] = [];
  if (name.text.length === 0) return found;
  for (let at = text.indexOf(name.text); at >= 0 && found.length < MAX_MENTIONS; at = text.indexOf(name.text, at + 1)) {
    const end = at + name.text.length;
    if (isWordChar(text[at - 1]) || isWordChar(text[end])) continue;
    found.push({ name, start: at, end });
  }
  return found;
};

const isWordChar = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}_]/u.test(c);
