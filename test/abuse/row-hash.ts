import type { EntityManager } from "@mikro-orm/sql";

/**
 * A digest of every row of every table the app owns, so that "this rejected input changed
 * nothing" can be checked without knowing what it might have changed. Tables are found in
 * the catalog, so tables added by later migrations are covered too. Except rate_limits: its
 * counters are meant to count refused calls (failed authentications above all), and on the
 * embedded engine they live in memory anyway.
 */
export class RowHash {
  private query: string | undefined;

  constructor(private readonly em: EntityManager) {}

  async digest(): Promise<string> {
    const em = this.em.fork();
    if (this.query === undefined) {
      const tables = await em.execute<{ name: string }[]>(
        `select quote_ident(tablename) as name from pg_tables where schemaname = current_schema() and tablename <> 'rate_limits' order by tablename`,
      );
      // Each row's text form, ordered by that text: the same rows always give the same digest.
      const parts = tables.map(
        ({ name }) =>
          `(select ${quoteLiteral(name)} || ':' || coalesce(md5(string_agg(t::text, E'\\n' order by t::text)), '') from ${name} t)`,
      );
      this.query = `select md5(${parts.join(" || ")}) as digest`;
    }
    const [row] = await em.execute<{ digest: string }[]>(this.query);
    return row!.digest;
  }
}

function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
