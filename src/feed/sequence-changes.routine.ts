import { Routine } from "@mikro-orm/core";

/** Serialises the sequencers of every server on the database (any constant no other lock uses). */
const SEQUENCER_LOCK = "7311882650001";
/** Postgres refuses NOTIFY payloads from 8000 bytes: a longer list of heads becomes "any workspace". */
const MAX_PAYLOAD = 7000;

/**
 * One numbering turn of the change log, in one statement: takes the sequencers' lock, then (in
 * a statement whose snapshot follows the last turn's commit) numbers up to `batch` committed,
 * unnumbered changes per workspace in the order they were recorded, moves the workspaces'
 * heads, and, when `announce_from` names the server, tells the others the new heads on
 * engram_memory_changes (delivered at commit). A row committed after this turn's snapshot gets
 * a later number from the next turn, so positions follow commit order and a reader of
 * positions up to a head misses none. Returns {numbered, heads: [[workspace, "position"]]}.
 */
export const sequenceChanges = new Routine({
  name: "engram_sequence_changes",
  type: "function",
  language: "plpgsql",
  params: { batch: { type: "integer" }, announce_from: { type: "text" } },
  returns: { runtimeType: "object", columnType: "jsonb" },
  body: `declare
  result jsonb;
  payload text;
begin
  perform pg_advisory_xact_lock(${SEQUENCER_LOCK});
  with pending as (
      select id, workspace_id from memory_changes where position is null order by id limit batch),
    numbered as (
      select p.id, p.workspace_id, coalesce(h.last_position, 0)
        + row_number() over (partition by p.workspace_id order by p.id) as position
      from pending p left join memory_feed_heads h on h.workspace_id = p.workspace_id),
    sequenced as (
      update memory_changes c set position = n.position from numbered n
      where c.id = n.id and c.position is null returning c.id),
    heads as (
      insert into memory_feed_heads (workspace_id, last_position)
      select workspace_id, max(position) from numbered group by workspace_id
      on conflict (workspace_id) do update set last_position = excluded.last_position
      returning workspace_id, last_position)
  select jsonb_build_object(
      'numbered', (select count(*) from sequenced),
      'heads', coalesce(jsonb_agg(jsonb_build_array(workspace_id, last_position::text)), '[]'::jsonb))
    into result from heads;
  if announce_from is not null and jsonb_array_length(result->'heads') > 0 then
    payload := jsonb_build_object('from', announce_from, 'heads', result->'heads')::text;
    if octet_length(payload) >= ${MAX_PAYLOAD} then
      payload := jsonb_build_object('from', announce_from, 'heads', null)::text;
    end if;
    perform pg_notify('engram_memory_changes', payload);
  end if;
  return result;
end`,
});
