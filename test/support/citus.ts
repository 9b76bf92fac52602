import type { EntityManager } from "@mikro-orm/sql";
import { withClient } from "./pg-client.js";

/**
 * A local check on Citus, not CI's (docs/sharding.md): when DATABASE_URL names a Citus
 * coordinator, ENGRAM_TEST_CITUS_WORKERS lists its workers' URLs (comma-separated), and every
 * test database is made on all of them, with the citus and vector extensions and the workers
 * added, for the server to distribute its tables on start (src/db/sharding/distribute.ts).
 */
export const citusWorkers = (process.env.ENGRAM_TEST_CITUS_WORKERS ?? "").split(",").filter((url) => url !== "");

/** Creates `name` on the workers and the coordinator, as one Citus cluster. */
export async function createCitusDatabase(coordinatorUrl: string, name: string): Promise<void> {
  for (const worker of citusWorkers) {
    await withClient(worker, (client) => client.query(`create database ${name}`));
    await withClient(onDatabase(worker, name), (client) =>
      client.query("create extension citus; create extension vector"),
    );
  }
  await withClient(coordinatorUrl, (client) => client.query(`create database ${name}`));
  await withClient(onDatabase(coordinatorUrl, name), async (client) => {
    await client.query("create extension citus; create extension vector");
    const coordinator = new URL(coordinatorUrl);
    await client.query("select citus_set_coordinator_host($1, $2)", [coordinator.hostname, Number(coordinator.port)]);
    for (const worker of citusWorkers.map((url) => new URL(url))) {
      await client.query("select citus_add_node($1, $2)", [worker.hostname, Number(worker.port)]);
    }
  });
}

/** Drops `name` from the coordinator, then the workers. */
export async function dropCitusDatabase(coordinatorUrl: string, name: string): Promise<void> {
  for (const url of [coordinatorUrl, ...citusWorkers]) {
    await withClient(url, (client) => client.query(`drop database if exists ${name} with (force)`));
  }
}

function onDatabase(url: string, name: string): string {
  const on = new URL(url);
  on.pathname = `/${name}`;
  return on.toString();
}

/**
 * The planner's estimate of a table's rows: on Citus the shards hold the statistics (the
 * coordinator's table is a shell), so their estimates are summed.
 */
export async function rowEstimate(em: EntityManager, table: string): Promise<number> {
  const [row] = (await onCitus(em))
    ? await em.execute<{ rows: number | string }[]>(
        "select sum(result::real) as rows from run_command_on_shards(?, $$select reltuples from pg_class where oid = '%s'::regclass$$)",
        [table],
      )
    : await em.execute<{ rows: number | string }[]>("select reltuples as rows from pg_class where oid = ?::regclass", [
        table,
      ]);
  return Number(row?.rows ?? 0);
}

/** Whether the database is a Citus coordinator (its tables distributed when the server started). */
export async function onCitus(em: EntityManager): Promise<boolean> {
  const [citus] = await em.execute<{ installed: boolean }[]>(
    "select exists (select 1 from pg_extension where extname = 'citus') as installed",
  );
  return citus?.installed === true;
}
