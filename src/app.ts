import { mkdir, readFile } from "node:fs/promises";
import type { Logger } from "pino";
import { ApiKeys } from "./auth/api-keys.js";
import { ApiKeyServiceImpl } from "./auth/api-key.service.js";
import { postgresCluster, SINGLE_SERVER, type Cluster } from "./cluster.js";
import type { Config } from "./config.js";
import { openDatabase, type Database } from "./db/orm.js";
import { ServerSecretRepository } from "./db/server-secret.repository.js";
import { freeSpaceOf, StorageReserve } from "./db/storage-reserve.js";
import { DEFAULT_TABLE_STATISTICS_OPTIONS, TableStatistics } from "./db/table-statistics.js";
import { createEmbedder } from "./embedding/create.js";
import { createReranker } from "./rerank/create.js";
import type { Reranker } from "./rerank/reranker.js";
import { ChangeFeed } from "./feed/change-feed.js";
import { Sequencer } from "./feed/sequencer.js";
import type { Embedder } from "./embedding/embedder.js";
import { Embeddings } from "./embedding/embeddings.js";
import { EmbeddingWorker } from "./embedding/worker.js";
import { CONSOLE_DIR, OPENAPI_DOCUMENT, PGLITE_SEED } from "./generated-files.js";
import { SCHEMA } from "./schema.js";
import { EmbeddingQueueRepository } from "./memory/queue/embedding-queue.repository.js";
import { MemoryServiceImpl } from "./memory/memory.service.js";
import { buildMemoryWrites } from "./memory/write/build.js";
import { PageTokens } from "./memory/page-token.js";
import { MemoryStatsRepository } from "./memory/stats/stats.repository.js";
import { startSweeper } from "./memory/queue/sweeper.js";
import { StagedWriteServiceImpl } from "./staging/staged-write.service.js";
import { addFeedGauges, addMemoryGauges, addStorageGauges, createMetrics, type ServerMetrics } from "./metrics.js";
import { apiHandlers } from "./api-handlers.js";
import { withCors } from "./server/cors.js";
import { readConsoleSite } from "./server/console.js";
import { httpHandler } from "./server/http.js";
import { listen, type ConnectionTimeouts } from "./server/listener.js";
import { readOpenApi } from "./server/rest/openapi-document.js";
import { routes } from "./server/routes.js";
import { loggableError } from "./logger.js";

/** How often each server looks for changes no server numbered (one killed between commit and numbering). */
const SEQUENCER_POLL_MS = 1_000;

export interface Engram {
  port: number;
  db: Database;
  embeddings: Embeddings;
  worker: EmbeddingWorker;
  statistics: TableStatistics;
  /** Graceful stop: no new connections, in-flight calls finish, then the database closes. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Replaces the configured embedder (tests and benchmarks inject theirs). */
  embedder?: Embedder | null;
  /** Replaces the production connection timeouts (tests shorten them). */
  connectionTimeouts?: ConnectionTimeouts;
  /**
   * Listen only once the embedder has answered (tests and benchmarks that write at once). By
   * default the server listens first and brings the embedder up in the background.
   */
  awaitEmbedder?: boolean;
  /** Replaces the configured reranker (tests and benchmarks inject theirs). */
  reranker?: Reranker | null;
  /**
   * Listen only once the reranker's model has loaded (benchmarks that rerank at once). By default
   * it loads when a search first asks for rerank.
   */
  awaitReranker?: boolean;
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
  try {
    return await serve(config, logger, options, db, cluster, metrics);
  } catch (err) {
    // A failed start (port taken, unreadable TLS files) leaves nothing open, the data directory's lock included.
    await cluster.close();
    await db.close();
    throw err;
  }
}

async function serve(
  config: Config,
  logger: Logger,
  options: StartOptions,
  db: Database,
  cluster: Cluster,
  metrics: ServerMetrics,
): Promise<Engram> {
  // Only the embedded engine's disk is this process's to watch: Postgres refuses writes itself (53100).
  const storage =
    db.kind === "pglite"
      ? new StorageReserve({
          reserveBytes: config.storageReserveMb * 1024 * 1024,
          freeSpace: freeSpaceOf(config.dataDir),
          logger,
        })
      : undefined;
  await storage?.measure();
  const writesPaused = () => storage?.full ?? false;
  const apiKeys = new ApiKeys(db.em, cluster.keyCache);
  const adminKeyPath = await apiKeys.bootstrap(config.dataDir, config.apiKey);
  if (adminKeyPath !== null) {
    // A structured line like every other one on stderr; warn, so that it shows at any usual log level.
    logger.warn(
      { workspace: "default", adminKeyFile: adminKeyPath },
      `created an admin API key; its secret is in ${adminKeyPath}`,
    );
  }

  // Injected embedders belong to whoever passed them in, and outlive this server.
  const ownEmbedder = options.embedder === undefined ? createEmbedder(config.embedding, config.dataDir, logger) : null;
  const embeddings = new Embeddings(options.embedder ?? ownEmbedder, {
    budgetMs: config.embedding.budgetMs,
    logger,
    onBatch: (seconds, texts, failed) => metrics.observeEmbedding(seconds, texts, failed ? "error" : "ok"),
  });
  const columnDimensions = await new EmbeddingQueueRepository(db.em.fork()).columnDimensions();
  if (options.awaitEmbedder === true) await embeddings.start(columnDimensions);
  else await embeddings.prepare(columnDimensions);
  // Loaded when a search first asks for it: a server whose clients never rerank never fetches
  // or holds the model. Injected rerankers, like embedders, outlive this server.
  const ownReranker =
    options.reranker === undefined ? createReranker(config.reranker, config.embedding, config.dataDir, logger) : null;
  const reranker = options.reranker === undefined ? ownReranker : options.reranker;
  if (options.awaitReranker === true) await reranker?.ready();
  const worker = new EmbeddingWorker(() => new EmbeddingQueueRepository(db.em.fork()), embeddings, logger, {
    onBacklog: () => cluster.announceBacklog(),
    paused: writesPaused,
  });
  storage?.onResume(() => worker.kick());
  const sequencer: Sequencer = new Sequencer(db.em, {
    logger,
    pollMs: SEQUENCER_POLL_MS,
    announceAs: cluster.changeAnnouncer,
    onSequenced: (heads) => feed.wake(heads),
    // Alone on its database (PGlite), a server knows whether anyone watches.
    eager: () => cluster.changeAnnouncer !== null || feed.openStreams > 0,
  });
  const feed = new ChangeFeed({
    em: db.em,
    logger,
    revokedKeys: (ids) => apiKeys.revokedAmong(ids),
    sequencer,
    options: { maxStreamsPerKey: config.watchStreamsPerKey },
  });
  apiKeys.onRevocation(() => feed.keysChanged());
  await cluster.listen({
    keysChanged: () => apiKeys.forgetCached(),
    backlog: () => worker.kick(),
    changes: (heads) => feed.wake(heads),
  });
  // Numbers what a server killed between a commit and its numbering left behind.
  await sequencer.start();
  const statistics = new TableStatistics(db.em, "memories", logger, {
    ...DEFAULT_TABLE_STATISTICS_OPTIONS,
    paused: writesPaused,
  });

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
  if (storage) addStorageGauges(metrics, storage);
  addFeedGauges(metrics, () => feed.openStreams);
  const written = {
    onPending: () => {
      worker.kick();
      cluster.announceBacklog();
    },
    onWritten: (count: number) => {
      statistics.noteWrites(count);
      if (count > 0) sequencer.written();
    },
  };
  const writes = buildMemoryWrites({ em: db.em, embeddings, ...written });
  const memory = new MemoryServiceImpl({
    em: db.em,
    embeddings,
    pageTokens,
    writes,
    feed,
    reranker,
    onRerank: (event) => {
      metrics.countRerank(event.outcome);
      if (event.outcome === "failed") {
        logger.warn({ error: loggableError(event.error) }, "rerank failed; the search kept its order");
      }
    },
    ...written,
  });
  const { connect, rest, mcp, seeds } = apiHandlers({
    routes: routes({
      memory,
      stagedWrites: new StagedWriteServiceImpl({
        em: db.em,
        writes,
        ttlMs: config.stagedWriteTtlHours * 3_600_000,
      }),
      apiKeys: new ApiKeyServiceImpl(apiKeys),
      isServing: () => isReady().catch(() => false),
    }),
    authentication: {
      apiKeys,
      rateLimitPerSecond: config.rateLimit,
      authFailuresPerMinute: config.authFailuresPerMinute,
      limiters: cluster.limiters,
    },
    logger,
    metrics: metrics.registry,
    storage,
  });

  const tls =
    config.tlsCert !== undefined && config.tlsKey !== undefined
      ? { cert: await readFile(config.tlsCert, "utf8"), key: await readFile(config.tlsKey, "utf8") }
      : undefined;
  const listener = await listen(
    withCors(
      httpHandler({
        connect,
        rest,
        mcp,
        seeds,
        openapi: await readOpenApi(OPENAPI_DOCUMENT),
        isReady,
        writesRefused: writesPaused,
        metrics: metrics.registry,
        metricsToken: config.metricsToken,
        console: await readConsoleSite(CONSOLE_DIR),
      }),
      config.corsOrigins,
    ),
    {
      host: config.host,
      port: config.port,
      tls,
      timeouts: options.connectionTimeouts,
    },
  );
  // Loading a model takes seconds (and most of the CPU): only once the server answers.
  void embeddings.ensureReady();
  storage?.start();
  worker.start();
  statistics.start();
  const sweeper = startSweeper(db.em, {
    retention: { memoryDays: config.retentionDays, changeDays: config.changeRetentionDays },
    intervalSeconds: config.sweepIntervalSeconds,
    logger,
    onExpired: () => void sequencer.kick(),
    paused: writesPaused,
  });
  // CLI tools on this data directory find the server through its lock.
  await db.lock?.recordListener({ host: config.host, port: listener.port, tls: tls !== undefined });
  logger.info({ port: listener.port, tls: tls !== undefined }, "engram listening");

  return {
    port: listener.port,
    db,
    embeddings,
    worker,
    statistics,
    async close() {
      // Streams never finish on their own: they end first, retryably, so in-flight calls can.
      feed.close();
      await listener.close(config.shutdownGraceSeconds * 1000);
      await sequencer.stop();
      storage?.stop();
      await sweeper.stop();
      await worker.stop();
      await ownEmbedder?.close?.();
      await ownReranker?.close();
      await statistics.stop();
      await cluster.close();
      await db.close();
    },
  };
}
