import { Routine } from "@mikro-orm/core";

/**
 * The class of the advisory locks that serialise the sequencers of every server, one lock per
 * workspace (hashtext of its id): workspaces are numbered side by side, and on Citus each turn's
 * statements stay on the workspace's shard. Any constant no other lock uses.
 */
const SEQUENCER_LOCKS = 731188265;
/** Postgres refuses NOTIFY payloads from 8000 bytes: a longer list of heads becomes "any workspace". */
const MAX_PAYLOAD = 7000;

/**
 * One numbering turn of the change log: for each workspace with committed, unnumbered changes
 * (in workspace order, so that two servers' turns never wait on each other in a cycle), takes
 * that workspace's sequencer lock, then (in a statement whose snapshot follows the last turn's
 * commit) numbers its changes in the order they were recorded and moves its head, up to `batch`
 * in all; when `announce_from` names the server, tells the others the new heads on
 * engram_memory_changes (delivered at commit). A row committed after a turn's snapshot gets a
 * later number from the next turn, so positions follow commit order and a reader of positions
 * up to a head misses none. Every statement names the workspace, so a sharded deployment runs
 * each on one shard. Returns {numbered, heads: [[workspace, "position"]]}.
 */
export const sequenceChanges = new Routine({
  name: "engram_sequence_changes",
  type: "function",
  language: "plpgsql",
  params: { batch: { type: "integer" }, announce_from: { type: "text" } },
  returns: { runtimeType: "object", columnType: "jsonb" },
  body: `declare
  ws text;
  taken integer;
  numbered integer := 0;
  heads jsonb := '[]'::jsonb;
  head jsonb;
  payload text;
begin
  for ws in select distinct workspace_id from memory_changes where position is null order by workspace_id loop
    exit when numbered >= batch;
    perform pg_advisory_xact_lock(${SEQUENCER_LOCKS}, hashtext(ws));
    with pending as (
        select id from memory_changes where workspace_id = ws and position is null order by id limit batch - numbered),
      positions as (
        select p.id, coalesce((select h.last_position from memory_feed_heads h where h.workspace_id = ws), 0)
          + row_number() over (order by p.id) as position
        from pending p),
      sequenced as (
        update memory_changes c set position = n.position from positions n
        where c.workspace_id = ws and c.id = n.id and c.position is null returning c.position),
      moved as (
        insert into memory_feed_heads (workspace_id, last_position)
        select ws, max(position) from sequenced having count(*) > 0
        on conflict (workspace_id) do update set last_position = excluded.last_position
        returning last_position)
    select (select count(*) from sequenced), (select jsonb_build_array(ws, last_position::text) from moved)
      into taken, head;
    numbered := numbered + taken;
    if head is not null then heads := heads || jsonb_build_array(head); end if;
  end loop;
  if announce_from is not null and jsonb_array_length(heads) > 0 then
    payload := jsonb_build_object('from', announce_from, 'heads', heads)::text;
    if octet_length(payload) >= ${MAX_PAYLOAD} then
      payload := jsonb_build_object('from', announce_from, 'heads', null)::text;
    end if;
    perform pg_notify('engram_memory_changes', payload);
  end if;
  return jsonb_build_object('numbered', numbered, 'heads', heads);
end`,
});
