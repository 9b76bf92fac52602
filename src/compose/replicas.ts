import type { EntityManager } from "@mikro-orm/sql";
import type { Logger } from "pino";
import { Counter, Gauge } from "prom-client";
import type { Config } from "../config.js";
import type { DatabaseSchema } from "../db/orm.js";
import { ReadReplicas } from "../db/replicas/read-replicas.js";
import { Replica } from "../db/replicas/replica.js";
import type { ServerMetrics } from "../metrics.js";
import type { ConsistencyOptions } from "../server/interceptors/consistency.js";

/**
 * The read replicas --read-database-url names, looked at from now on, with their metrics: each
 * one's state and lag, and where routed reads went. None (and nothing changes) without the flag.
 */
export async function openReadReplicas(
  config: Config,
  primary: EntityManager,
  schema: DatabaseSchema,
  metrics: ServerMetrics,
  logger: Logger,
): Promise<ConsistencyOptions | undefined> {
  if (config.readDatabaseUrls.length === 0) return undefined;
  const replicas = await Promise.all(
    config.readDatabaseUrls.map((url) =>
      Replica.open(url, {
        schema,
        poolSize: config.dbPoolSize,
        connectTimeoutSeconds: config.dbConnectTimeoutSeconds,
        onQuery: (seconds, failed) => metrics.observeQuery(seconds, failed ? "error" : "ok"),
      }),
    ),
  );
  const registers = [metrics.registry];
  const up = new Gauge({
    name: "engram_replica_up",
    help: "1 while a read replica answers and is a standby, else 0",
    labelNames: ["replica"],
    registers,
  });
  const lag = new Gauge({
    name: "engram_replica_lag_seconds",
    help: "How far a read replica's replay is behind the primary, as last measured",
    labelNames: ["replica"],
    registers,
  });
  const reads = new Counter({
    name: "engram_replica_reads_total",
    help: "Reads replicas could answer, by where they went: replica, no_replica (none up and close enough), not_replayed (none replayed the write the read must see in time), replica_failed (rerun on the primary)",
    labelNames: ["target"],
    registers,
  });
  const readReplicas = new ReadReplicas({
    primary,
    replicas,
    maxLagMs: config.replicaMaxLagMs,
    waitMs: config.replicaWaitMs,
    logger,
    onLook: (replica, lagMs) => {
      up.set({ replica: replica.address }, replica.state.up && replica.state.standby ? 1 : 0);
      if (lagMs !== null) lag.set({ replica: replica.address }, lagMs / 1000);
    },
  });
  await readReplicas.start();
  return {
    replicas: readReplicas,
    logger,
    ownWritesMs: config.readYourWritesMs,
    onRead: (target) => reads.inc({ target }),
  };
}
