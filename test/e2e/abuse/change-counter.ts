import type { EntityManager } from "@mikro-orm/sql";

const COUNTER = "abuse_row_changes";

/**
 * Counts every committed row change in every table the app owns, so that "this rejected input
 * changed nothing" is one read of a counter after each probe rather than a hash of every row.
 * Triggers installed in the suite's own database count each inserted, deleted and really
 * changed row (an UPDATE that leaves a row as it was counts nothing, as it would change no hash)
 * and each TRUNCATE; a change rolled back takes its count with it. Tables are found in the
 * catalog, so tables added by later migrations are covered too. Except rate_limits: its counters
 * are meant to count refused calls (failed authentications above all), and on the embedded
 * engine they live in memory anyway. And the change log's numbering (memory_feed_heads, and
 * updates of memory_changes): the sequencer numbers an accepted change after its commit, maybe
 * while the next probe runs; the change's own rows are counted when it commits. And the
 * tallies (entity_tallies, relation_tallies): the folder rewrites an accepted change's deltas as
 * their sums a moment later, maybe while the next probe runs; what they tally is counted in
 * memories and entity_names when it commits.
 */
export class ChangeCounter {
  private constructor(private readonly em: EntityManager) {}

  static async install(em: EntityManager): Promise<ChangeCounter> {
    const fork = em.fork();
    await fork.execute(`create table ${COUNTER} (changes bigint not null)`);
    await fork.execute(`insert into ${COUNTER} values (0)`);
    await fork.execute(
      `create function ${COUNTER}_count() returns trigger language plpgsql as $$
       begin update ${COUNTER} set changes = changes + 1; return null; end $$`,
    );
    const tables = await fork.execute<{ name: string }[]>(
      `select quote_ident(tablename) as name from pg_tables
       where schemaname = current_schema() and tablename not in ('rate_limits', 'memory_feed_heads', 'entity_tallies', 'relation_tallies', '${COUNTER}')`,
    );
    for (const { name } of tables) {
      const count = `execute function ${COUNTER}_count()`;
      await fork.execute(`create trigger ${COUNTER}_rows after insert or delete on ${name} for each row ${count}`);
      if (name !== "memory_changes") {
        await fork.execute(
          `create trigger ${COUNTER}_updates after update on ${name} for each row when (old.* is distinct from new.*) ${count}`,
        );
      }
      await fork.execute(`create trigger ${COUNTER}_truncates after truncate on ${name} for each statement ${count}`);
    }
    return new ChangeCounter(em);
  }

  /** Changes committed so far. */
  async changes(): Promise<string> {
    const [row] = await this.em.fork().execute<{ changes: string }[]>(`select changes::text from ${COUNTER}`);
    return row!.changes;
  }
}
