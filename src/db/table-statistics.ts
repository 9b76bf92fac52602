import type { EntityManager } from "@mikro-orm/sql";
import type { Logger } from "pino";
import { loggableError } from "../logger.js";
import { Sql, query, sql } from "./sql.js";

export interface TableStatisticsOptions {
  /** Rows written since the last ANALYZE that always warrant a new one. */
  minChanges: number;
  /** ...or this fraction of the rows the last ANALYZE counted, when that is more. */
  changeFraction: number;
  /** Rows written but fewer than the thresholds are analysed after this long. */
  intervalMs: number;
  /** While true, nothing is analysed (ANALYZE writes; the disk is nearly full): the interval tries again. */
  paused?: () => boolean;
  /**
   * Tables whose rows the table's writes make (entity_names: one per entity a memory mentions),
   * analysed with it. Left unanalysed on PGlite, the mentions trigger's plan for entity_names,
   * made while it was empty, read the whole table on every write: 8-14 ms a memory at 5,000
   * memories against 1.7-2.1 ms once analysed.
   */
  alongside?: readonly string[];
  /**
   * Tables vacuumed (and so analysed) each time instead: on PGlite, which runs no autovacuum, the
   * graph tallies (decision 0029), whose folds delete most rows they read. Never vacuumed, their
   * partial indexes of unfolded rows kept an entry for every row ever written: at 10k memories a
   * fold's search for unfolded rows walked 300 pages of dead entries, and with statistics taken
   * mid-load the planner scanned both tables instead (86 ms a fold, 29 once vacuumed).
   */
  vacuumed?: readonly string[];
}

export const DEFAULT_TABLE_STATISTICS_OPTIONS: TableStatisticsOptions = {
  // Low enough that a new database's first writes are soon planned on real statistics (the
  // mentions trigger's plans for entity_names are kept until the next ANALYZE); an ANALYZE of a
  // table this small takes milliseconds, and past 1,000 rows the fraction decides.
  minChanges: 100,
  changeFraction: 0.1,
  intervalMs: 10 * 60_000,
};

/**
 * Keeps the planner's statistics of one table fresh: ANALYZE after bulk loads (a tenth of the
 * table written since the last one) and, for smaller changes, every few minutes. PGlite runs
 * no autovacuum, so without this the table is never analysed; the planner then takes it for
 * empty and sorts every row by distance instead of walking the HNSW index (235 ms against
 * 3.7 ms at 10k memories). On Postgres it only anticipates autovacuum.
 */
export class TableStatistics {
  private changes = 0;
  private rowsAtLastAnalyze = 0;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly em: EntityManager,
    private readonly table: string,
    private readonly logger: Logger,
    private readonly options: TableStatisticsOptions = DEFAULT_TABLE_STATISTICS_OPTIONS,
  ) {}

  /** Analyses once now (the table may never have been) and from then on as writes arrive. */
  start(): void {
    void this.analyze();
    this.timer = setInterval(() => {
      if (this.changes > 0) void this.analyze();
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Counts rows written; analyses in the background once enough have changed. */
  noteWrites(rows: number): void {
    this.changes += rows;
    const threshold = Math.max(this.options.minChanges, this.rowsAtLastAnalyze * this.options.changeFraction);
    if (this.changes >= threshold) void this.analyze();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Resolves once no ANALYZE is running (tests wait on it before reading a plan). */
  async settled(): Promise<void> {
    await this.running;
  }

  /** One ANALYZE at a time; resolves when the current one is done. */
  analyze(): Promise<void> {
    if (this.options.paused?.()) return this.running ?? Promise.resolve();
    this.running ??= this.run().finally(() => (this.running = null));
    return this.running;
  }

  private async run(): Promise<void> {
    const counted = this.changes;
    try {
      const tables = Sql.raw([this.table, ...(this.options.alongside ?? [])].join(", "));
      await query(this.em.fork(), sql`analyze ${tables}`);
      const vacuumed = this.options.vacuumed ?? [];
      if (vacuumed.length > 0) await query(this.em.fork(), sql`vacuum (analyze) ${Sql.raw(vacuumed.join(", "))}`);
      const rows = await query<{ rows: number | string }>(
        this.em.fork(),
        sql`select reltuples as rows from pg_class where oid = ${this.table}::regclass`,
      );
      this.rowsAtLastAnalyze = Math.max(0, Number(rows[0]?.rows ?? 0));
    } catch (err) {
      this.logger.warn({ error: loggableError(err), table: this.table }, "could not refresh table statistics");
    } finally {
      // Also after a failure: the next bulk load or the interval tries again, not every write.
      this.changes -= counted;
    }
  }
}
