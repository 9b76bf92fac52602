import { mkdir } from "node:fs/promises";
import type { Logger } from "pino";
import { apiHandlers } from "./api-handlers.js";
import { ApiKeys } from "./auth/api-keys.js";
import { bootstrapAdminKey, embeddedStorageReserve } from "./compose/start-up.js";
import { postgresCluster, SINGLE_SERVER, type Cluster } from "./cluster.js";
import { composeFeed } from "./compose/feed.js";
import { listenHttp } from "./compose/http.js";
import { prepareModels, type ModelOptions } from "./compose/models.js";
import { scrubEmbedded } from "./erasure/embedded-scrub.js";
import { EmbeddedScrubber } from "./erasure/embedded-scrubber.js";
import { openReadReplicas } from "./compose/replicas.js";
import { composeServices } from "./compose/services.js";
import { routingEntityManager } from "./db/replicas/read-route.js";
import type { ConsistencyOptions } from "./server/interceptors/consistency.js";
import { startWebhookDeliverer } from "./compose/webhooks.js";
import type { Config } from "./config.js";
import { openDatabase, type Database } from "./db/orm.js";
import { ServerSecretRepository } from "./db/server-secret.repository.js";
import { DEFAULT_TABLE_STATISTICS_OPTIONS, TableStatistics } from "./db/table-statistics.js";
import { foldTallies, unfoldedTallyRows } from "./graph/tallies/folds.js";
import { addTallyGauge } from "./compose/tally-gauge.js";
import { TallyFolder } from "./graph/tallies/tally-folder.js";
import type { Embeddings } from "./embedding/embeddings.js";
import { EmbeddingWorker } from "./embedding/worker.js";
import { PGLITE_SEED } from "./generated-files.js";
import { loggableError } from "./logger.js";
import { PageTokens } from "./memory/page-token.js";
import { EmbeddingQueueRepository } from "./memory/queue/embedding-queue.repository.js";
import { startSweeper } from "./memory/queue/sweeper.js";
import { MemoryStatsRepository } from "./memory/stats/stats.repository.js";
import { addFeedGauges, addMemoryGauges, addStorageGauges, createMetrics, type ServerMetrics } from "./metrics.js";
import { SCHEMA } from "./schema.js";
import { detached } from "./telemetry/spans.js";
import type { ConnectionTimeouts } from "./server/listener.js";
import { routes } from "./server/routes.js";
import { ENGRAM_VERSION } from "./version.js";

/** How often each server looks for changes no server numbered (one killed between commit and numbering). */
const SEQUENCER_POLL_MS = 1_000;

export interface Engram {
  port: number;
  db: Database;
  embeddings: Embeddings;
  worker: EmbeddingWorker;
  statistics: TableStatistics;
  tallies: TallyFolder;
  /** Graceful stop: no new connections, in-flight calls finish, then the database closes. */
  close(): Promise<void>;
}

export interface StartOptions extends ModelOptions {
  /** Replaces the production connection timeouts (tests shorten them). */
  connectionTimeouts?: ConnectionTimeouts;
}

/** Wires configuration, database, services and transport together and starts listening. */
export async function startEngram(config: Config, logger: Logger, options: StartOptions = {}): Promise<Engram> {
  await mkdir(config.dataDir, { recursive: true });
  const metrics = createMetrics();
  const db = await openDatabase({
    schema: SCHEMA,
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    pgliteSeed: PGLITE_SEED,
    poolSize: config.dbPoolSize,
    createDatabase: config.createDatabase,
    connectTimeoutSeconds: config.dbConnectTimeoutSeconds,
    logger,
    onQuery: (seconds, failed) => metrics.observeQuery(seconds, failed ? "error" : "ok"),
  });
  logger.info({ database: db.kind }, "database ready, migrations applied");
  const cluster =
    db.kind === "postgres" && config.databaseUrl ? postgresCluster(config.databaseUrl, logger) : SINGLE_SERVER;
  let consistency: ConsistencyOptions | undefined;
  try {
    consistency = await openReadReplicas(config, db.em, SCHEMA, metrics, logger);
    return await serve(config, logger, options, { db, cluster, metrics, consistency });
  } catch (err) {
    // A failed start (port taken, unreadable TLS files) leaves nothing open, the data directory's lock included.
    await consistency?.replicas.stop();
    await cluster.close();
    await db.close();
    throw err;
  }
}

interface Opened {
  db: Database;
  cluster: Cluster;
  metrics: ServerMetrics;
  consistency: ConsistencyOptions | undefined;
}

async function serve(config: Config, logger: Logger, options: StartOptions, opened: Opened): Promise<Engram> {
  const { db, cluster, metrics, consistency } = opened;
  const storage = await embeddedStorageReserve(db, config, logger);
  const writesPaused = () => storage?.full ?? false;
  const apiKeys = new ApiKeys(db.em, cluster.keyCache);
  await bootstrapAdminKey(apiKeys, config, logger);

  const models = await prepareModels(config, logger, db, metrics, options);
  const { embeddings, reranker } = models;
  const worker = new EmbeddingWorker(() => new EmbeddingQueueRepository(db.em.fork()), embeddings, logger, {
    onBacklog: () => cluster.announceBacklog(),
    paused: writesPaused,
  });
  storage?.onResume(() => worker.kick());
  const { feed, sequencer } = composeFeed({
    em: db.em,
    logger,
    apiKeys,
    pollMs: SEQUENCER_POLL_MS,
    announceAs: cluster.changeAnnouncer,
    options: { maxStreamsPerKey: config.watchStreamsPerKey },
  });
  // Bound to the services' caches once they exist (below): until then nothing is cached.
  let forgetErased: (workspaceId: string | null) => void = () => {};
  await cluster.listen({
    keysChanged: () => apiKeys.forgetCached(),
    backlog: () => worker.kick(),
    changes: (heads) => feed.wake(heads),
    erased: (workspaceId) => forgetErased(workspaceId),
  });
  // Numbers what a server killed between a commit and its numbering left behind.
  await sequencer.start();
  const statistics = new TableStatistics(db.em, "memories", logger, {
    ...DEFAULT_TABLE_STATISTICS_OPTIONS,
    paused: writesPaused,
    ...(db.kind === "pglite"
      ? { alongside: ["entity_names"], vacuumed: ["entity_tallies", "relation_tallies"] }
      : { alongside: ["entity_names", "entity_tallies", "relation_tallies"] }),
  });
  const tallies = new TallyFolder(() => foldTallies(db.em), logger);

  const isReady = async () => {
    await db.em.fork().execute("select 1");
    return true;
  };
  const pageTokens = new PageTokens(await new ServerSecretRepository(db.em.fork()).getOrCreate("page_tokens"));
  addMemoryGauges(
    metrics,
    (now) => new MemoryStatsRepository(db.em.fork()).counts(now),
    config.metricsCountSeconds,
    logger,
  );
  addTallyGauge(metrics, () => unfoldedTallyRows(db.em.fork()), config.metricsCountSeconds, logger);
  if (storage) addStorageGauges(metrics, storage);
  addFeedGauges(metrics, () => feed.openStreams);
  // On the embedded engine erased rows leave bytes in the files until they are rewritten.
  const scrubber = db.kind === "pglite" ? new EmbeddedScrubber(() => scrubEmbedded(db.em.fork()), logger) : null;
  const services = composeServices({
    // Calls that only read fork their units of work from the replica chosen for them.
    em: consistency ? routingEntityManager(db.em) : db.em,
    embeddings,
    pageTokens,
    feed,
    reranker,
    onRerank: (event) => {
      metrics.countRerank(event.outcome);
      if (event.outcome === "failed") {
        logger.warn({ error: loggableError(event.error) }, "rerank failed; the search kept its order");
      }
    },
    // The background work a call wakes is not part of its trace.
    onPending: detached(() => {
      worker.kick();
      cluster.announceBacklog();
    }),
    onWritten: detached((count: number) => {
      statistics.noteWrites(count);
      tallies.noteWrites();
      if (count > 0) sequencer.written();
    }),
    onErased: detached((workspaceId: string) => cluster.announceErasure(workspaceId)),
    onErasureFinished: detached(() => scrubber?.request()),
    apiKeys,
    stagedWriteTtlMs: config.stagedWriteTtlHours * 3_600_000,
    contentExtraction: config.contentExtraction,
    webhookAllowPrivate: config.webhookAllowPrivate,
  });
  forgetErased = services.forgetCached;
  const handlers = apiHandlers({
    routes: routes({ ...services, isServing: () => isReady().catch(() => false) }),
    authentication: {
      apiKeys,
      rateLimitPerSecond: config.rateLimit,
      authFailuresPerMinute: config.authFailuresPerMinute,
      limiters: cluster.limiters,
    },
    logger,
    metrics: metrics.registry,
    storage,
    consistency,
  });

  const listener = await listenHttp(config, {
    handlers,
    isReady,
    writesRefused: writesPaused,
    metrics: metrics.registry,
    timeouts: options.connectionTimeouts,
  });
  // Loading a model takes seconds (and most of the CPU): only once the server answers.
  void embeddings.ensureReady();
  storage?.start();
  worker.start();
  statistics.start();
  tallies.start();
  const webhooks = startWebhookDeliverer(db.em, logger, config.webhookAllowPrivate, writesPaused);
  const sweeper = startSweeper(db.em, {
    retention: { memoryDays: config.retentionDays, changeDays: config.changeRetentionDays },
    intervalSeconds: config.sweepIntervalSeconds,
    logger,
    onExpired: () => void sequencer.kick(),
    paused: writesPaused,
  });
  // CLI tools on this data directory find the server through its lock.
  await db.lock?.recordListener({ host: config.host, port: listener.port, tls: listener.tls });
  logger.info({ port: listener.port, tls: listener.tls, version: ENGRAM_VERSION }, "engram listening");

  return {
    port: listener.port,
    db,
    embeddings,
    worker,
    statistics,
    tallies,
    async close() {
      // Streams never finish on their own: they end first, retryably, so in-flight calls can.
      feed.close();
      await listener.close(config.shutdownGraceSeconds * 1000);
      await sequencer.stop();
      storage?.stop();
      await sweeper.stop();
      await webhooks.stop();
      await worker.stop();
      await models.close();
      await statistics.stop();
      await tallies.stop();
      await scrubber?.flush();
      await consistency?.replicas.stop();
      await cluster.close();
      await db.close();
    },
  };
}
