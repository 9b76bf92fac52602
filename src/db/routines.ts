import { Routine } from "@mikro-orm/core";

/**
 * The tags as one text for the full-text column. Generated columns need immutable
 * expressions, and array_to_string is only stable.
 */
export const tagsText = new Routine({
  name: "engram_tags_text",
  type: "function",
  language: "sql",
  deterministic: true,
  params: { tags: { type: "text[]" } },
  returns: { runtimeType: "string", columnType: "text" },
  body: "select coalesce(string_agg(t, ' '), '') from unnest(tags) t",
});
