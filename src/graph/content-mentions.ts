import type { MentionRow } from "../memory/memory.entity.js";
import { extractNames, type ExtractedName } from "./extraction/index.js";

/**
 * The names a memory's content mentions, as the writer sends them (role "content"): the
 * mentions_on_write trigger adds the other roles and resolves each name to an existing entity
 * it matches (mention-trigger.ts). A new name's id is its normalised form, the name in lower
 * case with single spaces ("Acme  Corp" -> "acme corp"), which is how names are matched too.
 */
export function contentMentions(content: string): MentionRow[] {
  const cached = recent.get(content);
  if (cached !== undefined) return cached;
  const mentions = extractNames(content).map(mentionOf);
  remember(content, mentions);
  return mentions;
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
const recent = new Map<string, MentionRow[]>();

function remember(content: string, mentions: MentionRow[]): void {
  if (recent.size >= RECENT) recent.delete(recent.keys().next().value as string);
  recent.set(content, mentions);
}
