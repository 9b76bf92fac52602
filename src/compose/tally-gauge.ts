import { Gauge } from "prom-client";
import type { Logger } from "pino";
import { CountedSnapshot } from "../counted-snapshot.js";
import { loggableError } from "../logger.js";
import type { ServerMetrics } from "../metrics.js";

/**
 * Graph tally rows the folder has not folded yet (unfoldedTallyRows), counted as the memories are:
 * at most once per `countSeconds`, however many scrapers. A number that keeps rising means the
 * folder is behind the writes, and graph reads slow until it catches up.
 */
export function addTallyGauge(
  metrics: ServerMetrics,
  count: () => Promise<number>,
  countSeconds: number,
  logger: Logger,
): void {
  const counted = new CountedSnapshot(count, countSeconds * 1000, (err) =>
    logger.warn({ error: loggableError(err) }, "metrics: counting unfolded graph tallies failed"),
  );
  new Gauge({
    name: "engram_graph_unfolded_tally_rows",
    help: "Graph tally rows written and not yet folded, all workspaces (graph reads sum them until folded)",
    registers: [metrics.registry],
    async collect() {
      const rows = await counted.read();
      if (rows !== undefined) this.set(rows);
    },
  });
}
