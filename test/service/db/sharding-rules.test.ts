/**
 * Issue 52, item 3: the rules a schema must follow for Citus to distribute it by workspace
 * (src/db/sharding/sharding-rules.ts), checked on the migrated schema of either engine, so that
 * a migration cannot break them unnoticed (docs/sharding.md).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shardingViolations } from "../../../src/db/sharding/sharding-rules.js";
import { CITUS_ROW_TRIGGERS } from "../../../src/memory/citus-row-triggers.js";
import { onCitus } from "../../support/citus.js";
import { startServices, type ServiceHarness } from "../../support/service.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices();
});
afterAll(() => services.close());

const named = (v: { table: string; rule: string; object: string }) => `${v.table} ${v.rule} ${v.object}`;

describe("the schema's sharding rules", () => {
  it("the migrated schema breaks none but the memories' statement triggers, which Citus replaces", async () => {
    const em = services.db.em.fork();
    const triggers = [
      "names_on_insert",
      "names_on_purge",
      "names_on_update",
      "revision_on_insert",
      "revision_on_update",
    ];
    // On a Citus coordinator the server has put the row triggers in their place already.
    const expected = (await onCitus(em)) ? [] : triggers.map((t) => `memories transition-table-trigger ${t}`);
    expect((await shardingViolations(em)).map(named).sort()).toEqual(expected);
  });

  it("with the row triggers that replace them on Citus, none; and those record revisions and names (rolled back)", async () => {
    const em = services.db.em.fork();
    await em.begin();
    try {
      // On Citus the server installed them (and DDL there cannot follow multi-shard reads).
      if (!(await onCitus(em))) for (const statement of CITUS_ROW_TRIGGERS) await em.execute(statement);
      expect((await shardingViolations(em)).map(named)).toEqual([]);
      const id = "00000000-0000-4000-8000-00000000c175";
      await em.execute(
        `insert into memories (workspace_id, id, subject_type, subject_id, kind, content, content_fingerprint, create_time, update_time)
         values ('ws-rows', '${id}', 'account', 'acme', 'note', 'renewal', 'f', now(), now())`,
      );
      await em.execute(`update memories set content = 'renewal moved', revision = revision + 1 where id = '${id}'`);
      const count = async (from: string) =>
        Number(
          (await em.execute<{ n: string }[]>(`select count(*) as n from ${from} where workspace_id = 'ws-rows'`))[0]?.n,
        );
      expect([await count("memory_revisions"), await count("memory_changes"), await count("entity_names")]).toEqual([
        2, 2, 1,
      ]);
      await em.execute(`delete from memories where id = '${id}'`);
      expect(await count("entity_names")).toBe(0);
    } finally {
      await em.rollback();
    }
  });

  it("finds a table that breaks each rule (checked in a transaction that is rolled back)", async () => {
    const em = services.db.em.fork();
    await em.begin();
    try {
      await em.execute(`create table rule_probe (workspace_id text not null, id text primary key, name text unique)`);
      await em.execute(
        `create table rule_probe_child (workspace_id text not null, parent text references rule_probe (id))`,
      );
      await em.execute(`create table rule_probe_global (id text primary key)`);
      await em.execute(
        `create function rule_probe_noop() returns trigger language plpgsql as $$ begin return null; end $$`,
      );
      await em.execute(
        `create trigger rule_probe_batch after insert on rule_probe referencing new table as added
         for each statement execute function rule_probe_noop()`,
      );
      const found = (await shardingViolations(em)).map(named).filter((v) => v.startsWith("rule_probe"));
      expect(found.sort()).toEqual(
        [
          "rule_probe_child foreign-key-without-workspace rule_probe_child_parent_fkey",
          "rule_probe transition-table-trigger rule_probe_batch",
          "rule_probe unique-without-workspace rule_probe_name_key",
          "rule_probe unique-without-workspace rule_probe_pkey",
          "rule_probe_global unclassified-table rule_probe_global",
        ].sort(),
      );
    } finally {
      await em.rollback();
    }
  });
});
