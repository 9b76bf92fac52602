import type { FoundRelationRow, MentionRow } from "../memory/memory.entity.js";
import { createHash } from "node:crypto";
import { extractNames, extractRelations, type ExtractedName } from "./extraction/index.js";

/** What a memory's content says for the graph: the names it mentions and the relations it states in words. */
export interface ContentFacts {
  mentions: MentionRow[];
  relations: FoundRelationRow[];
}

/** What finds a content's facts: contentFacts, or NO_CONTENT_FACTS where extraction is off (--content-extraction). */
export type ContentExtraction = (content: string) => ContentFacts;

/** Extraction off: a memory's graph comes from its subject, links, tags and stated relations only. */
export const NO_CONTENT_FACTS: ContentExtraction = () => ({ mentions: [], relations: [] });

/**
 * The names a memory's content mentions, as the writer sends them (role "content"): the
 * mentions_on_write trigger adds the other roles and resolves each name to an entity it
 * matches (mention-trigger.ts). A new name's id is its normalised form, the name in lower case
 * with single spaces ("Acme  Corp" -> "acme corp"), which is how names are matched too. Beside
 * them, the relations the content says in plain words ("John Smith is the CTO of Acme Corp":
 * works_at), between names by their text, which the graph reads through the resolved mentions.
 */
export function contentFacts(content: string): ContentFacts {
  // The exact content: names and their text depend on its case and spacing.
  const key = createHash("sha256").update(content).digest("base64");
  const cached = recent.get(key);
  if (cached !== undefined) return cached;
  const names = extractNames(content);
  const facts = {
    mentions: names.map(mentionOf),
    relations: extractRelations(content, names).map((r) => ({
      subject: r.subject.text,
      predicate: r.predicate,
      object: r.object.text,
    })),
  };
  remember(key, facts);
  return facts;
}

/** The id a name found in content is given when no existing entity matches it. */
export function normalisedName(name: string): string {
  return name.normalize("NFKC").trim().replace(/\s+/g, " ").toLowerCase();
}

function mentionOf(found: ExtractedName): MentionRow {
  return {
    type: found.type,
    id: found.type === "url" ? found.name : normalisedName(found.name),
    role: "content",
    text: found.text,
  };
}

/**
 * Extraction is the costliest part of building a write (decision 0023), and the same content is
 * written again and again (a keyed write of what it already holds, the insert and the check that
 * anything changed): what the last few thousand contents said is kept, by a hash of each (a
 * content of 50,000 characters is not kept as a key), oldest out first.
 */
const RECENT = 4_096;
const recent = new Map<string, ContentFacts>();

/** Forgets every content's facts (an erasure: names are content). */
export function forgetContentFacts(): void {
  recent.clear();
}

function remember(key: string, facts: ContentFacts): void {
  if (recent.size >= RECENT) recent.delete(recent.keys().next().value as string);
  recent.set(key, facts);
}
