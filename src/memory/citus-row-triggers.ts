import { mirrored, NAME_COLUMNS, NAMES, removeNamesOf } from "../graph/mention-trigger.js";
import { relationDeltas } from "../graph/tallies/relation-trigger.js";
import { tallyDeltas } from "../graph/tallies/tally-trigger.js";
import { recordRevisions } from "./revision-triggers.js";

/**
 * The memories' revision and names triggers as Citus runs them: once per row, on OLD and NEW,
 * instead of once per statement over transition tables, which Citus cannot run on a shard.
 * distributeByWorkspace (src/db/sharding/distribute.ts) puts these in the statement triggers'
 * place before it distributes
 * `memories`. On one Postgres the statement triggers stay: per row, a batch of 100 pays their
 * statements 100 times (decision 0032 has the cost). Each update trigger's WHEN skips the call
 * where nothing it records moved (the embedding worker's vector).
 */

function rowTrigger(name: string, event: string, when: string, body: string): string[] {
  const fn = `memories_${name}_fn`;
  return [
    `drop trigger if exists ${name} on memories`,
    `create or replace function ${fn}() returns trigger as $$ begin
  ${body}
  return null; end; $$ language plpgsql`,
    `create trigger ${name} after ${event} on memories for each row ${when} execute function ${fn}()`,
  ];
}

/** The memory's names rows must follow: its mentions or a column they carry changed. */
const REWRITTEN = `(old.mentions, ${mirrored("old")}) is distinct from (new.mentions, ${mirrored("new")})`;

/** The statements that replace the five statement triggers, in order. */
export const CITUS_ROW_TRIGGERS: readonly string[] = [
  ...rowTrigger(
    "names_on_insert",
    "insert",
    "",
    `with changed as (select new.*), added as (
    insert into entity_names (${NAME_COLUMNS}) ${NAMES} returning *)
  ${tallyDeltas(null, "select * from added")}
  ${relationDeltas(null, "select new.*")}`,
  ),
  ...rowTrigger(
    "names_on_update",
    "update",
    `when (${REWRITTEN})`,
    `with removed as (${removeNamesOf("(select old.*) gone")}), changed as (select new.*), renamed as (${NAMES})
  ${tallyDeltas("select * from removed", "select * from renamed")}
  with changed as (select new.*) insert into entity_names (${NAME_COLUMNS}) ${NAMES};
  ${relationDeltas("select old.*", "select new.*")}`,
  ),
  ...rowTrigger(
    "names_on_purge",
    "delete",
    "",
    `with removed as (${removeNamesOf("(select old.*) gone")}) ${tallyDeltas("select * from removed", null)}
  ${relationDeltas("select old.*", null)}`,
  ),
  ...rowTrigger("revision_on_insert", "insert", "", `${recordRevisions("from (select new.*) as changed")};`),
  ...rowTrigger(
    "revision_on_update",
    "update",
    "when (old.revision is distinct from new.revision)",
    `${recordRevisions("from (select new.*) as changed")};`,
  ),
];
