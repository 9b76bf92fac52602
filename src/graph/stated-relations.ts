/** Entities the same memories mention are related by this predicate, weighed by how many do. */
export const CO_MENTIONED = "co_mentioned";

/**
 * The relations a memory states, as a FROM item over the memory row `h`: those in
 * Memory.relations, and those found in words in its content (found_relations, each end the
 * content mention of that text, as the mentions trigger resolved it). Each end is the entity the
 * memory's mentions name now: one a merge in force moved is the entity it was merged into.
 * Gives `r` (the relation as given, for its predicate) and the ends `s` and `o` ({type, id}).
 * Plain SQL text: the graph's reads and the tallies' trigger (tallies/relation-trigger.ts) say
 * the same thing through it.
 */
export function statedBy(h: string): string {
  return `lateral (
      select r from jsonb_array_elements(${h}.relations) r
      union all
      select jsonb_build_object('subject', s, 'predicate', w->>'predicate', 'object', o)
      from jsonb_array_elements(${h}.found_relations) w,
        lateral (select m from jsonb_array_elements(${h}.mentions) m
          where m->>'role' = 'content' and m->>'text' = w->>'subject' limit 1) as sm(s),
        lateral (select m from jsonb_array_elements(${h}.mentions) m
          where m->>'role' = 'content' and m->>'text' = w->>'object' limit 1) as om(o)) as given(r)
    cross join lateral (select ${mergedEnd(h, "subject")}, ${mergedEnd(h, "object")}) as ends(s, o)`;
}

/** A relation's end as the memory's mentions name it: the entity a merge in force made it, else itself. */
function mergedEnd(h: string, end: "subject" | "object"): string {
  const own = `r->'${end}'`;
  return `coalesce((select jsonb_build_object('type', m->>'type', 'id', m->>'id')
    from jsonb_array_elements(${h}.mentions) m where m->'from' = jsonb_build_object('type', ${own}->>'type', 'id', ${own}->>'id')
    limit 1), ${own})`;
}
