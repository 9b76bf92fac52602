import type { FoundRelationRow, MentionRow } from "../memory/memory.entity.js";
import { extractNames, extractRelations, type ExtractedName } from "./extraction/index.js";

/** What a memory's content says for the graph: the names it mentions and the relations it states in words. */
export interface ContentFacts {
  mentions: MentionRow[];
  relations: FoundRelationRow[];
}

/**
 * The names a memory's content mentions, as the writer sends them (role "content"): the
 * mentions_on_write trigger adds the other roles and resolves each name to an entity it
 * matches (mention-trigger.ts). A new name's id is its normalised form, the name in lower case
 * with single spaces ("Acme  Corp" -> "acme corp"), which is how names are matched too. Beside
 * them, the relations the content says in plain words ("John Smith is the CTO of Acme Corp":
 * works_at), between names by their text, which the graph reads through the resolved mentions.
 */
export function contentFacts(content: string): ContentFacts {
  const cached = recent.get(content);
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
  remember(content, facts);
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
 * A write builds its statement more than once (the insert, the check that anything changed),
 * and extraction is the costliest part of it (decision 0023): the last few contents are kept.
 */
const RECENT = 64;
const recent = new Map<string, ContentFacts>();

function remember(content: string, facts: ContentFacts): void {
  if (recent.size >= RECENT) recent.delete(recent.keys().next().value as string);
  recent.set(content, facts);
}
