import { Command, Option } from "commander";
import { parseDatabaseUrl } from "./db/database-url.js";
import { argParser } from "./option-parsers.js";
import {
  choice,
  isSetting,
  number,
  optionalText,
  originsSetting,
  setting,
  text,
  type Setting,
  type ValuesOf,
} from "./settings.js";

/** Every server setting, once: see settings.ts. Order is --help's order. */
const SETTINGS = {
  host: text({ flag: "--host <host>", env: "ENGRAM_HOST", initial: "0.0.0.0", help: "address to listen on" }),
  port: number(0, 65535, {
    flag: "--port <port>",
    env: "ENGRAM_PORT",
    initial: 8080,
    help: "port for gRPC, gRPC-Web, Connect and HTTP",
  }),
  databaseUrl: optionalText({
    flag: "--database-url <url>",
    env: "DATABASE_URL",
    help: "Postgres 15+ with pgvector; embedded PGlite in the data directory when unset",
    reembed: true,
  }),
  createDatabase: setting({
    flag: "--create-database",
    env: "ENGRAM_CREATE_DATABASE",
    initial: false,
    isSwitch: true,
    help: "create the database named by --database-url when it does not exist",
    reembed: true,
  }),
  dbConnectTimeoutSeconds: number(1, 3600, {
    flag: "--db-connect-timeout <seconds>",
    env: "ENGRAM_DB_CONNECT_TIMEOUT",
    initial: 10,
    help: "how long connecting to Postgres may take before start-up fails",
    reembed: true,
  }),
  dataDir: text({
    flag: "--data-dir <dir>",
    env: "ENGRAM_DATA_DIR",
    initial: ".data",
    help: "where the embedded database and admin.key live",
    reembed: true,
  }),
  storageReserveMb: number(0, 1024 * 1024, {
    flag: "--storage-reserve-mb <MiB>",
    env: "ENGRAM_STORAGE_RESERVE_MB",
    initial: 256,
    help: "embedded database: refuse writes (STORAGE_FULL) while the data directory has less free space than this (0: never)",
  }),
  apiKey: optionalText({
    flag: "--api-key <key>",
    env: "ENGRAM_API_KEY",
    help: "secret for the bootstrap admin key, used only when no key exists yet",
  }),
  tlsCert: optionalText({
    flag: "--tls-cert <file>",
    env: "ENGRAM_TLS_CERT",
    help: "PEM certificate: serve TLS (h2 and HTTP/1.1 by ALPN)",
  }),
  tlsKey: optionalText({ flag: "--tls-key <file>", env: "ENGRAM_TLS_KEY", help: "PEM private key for --tls-cert" }),
  rateLimit: number(0, undefined, {
    flag: "--rate-limit <n>",
    env: "ENGRAM_RATE_LIMIT",
    initial: 1000,
    help: "requests per second per API key (0: unlimited)",
  }),
  authFailuresPerMinute: number(0, undefined, {
    flag: "--auth-failure-limit <n>",
    env: "ENGRAM_AUTH_FAILURE_LIMIT",
    initial: 30,
    help: "failed authentications per minute from one client address before it is refused for the rest of the minute (0: unlimited)",
  }),
  retentionDays: number(0, undefined, {
    flag: "--retention-days <n>",
    env: "ENGRAM_RETENTION_DAYS",
    initial: 30,
    help: "purge memories deleted or expired longer ago than this",
  }),
  stagedWriteTtlHours: number(1, undefined, {
    flag: "--staged-write-ttl <hours>",
    env: "ENGRAM_STAGED_WRITE_TTL_HOURS",
    initial: 168,
    help: "how long a staged write may wait to be applied before it expires (a request may ask for less)",
  }),
  sweepIntervalSeconds: number(1, undefined, {
    flag: "--sweep-interval <seconds>",
    env: "ENGRAM_SWEEP_INTERVAL",
    initial: 300,
    help: "how often the expiry sweeper runs",
  }),
  shutdownGraceSeconds: number(0, undefined, {
    flag: "--shutdown-grace <seconds>",
    env: "ENGRAM_SHUTDOWN_GRACE",
    initial: 10,
    help: "how long in-flight calls may finish after SIGTERM",
  }),
  dbPoolSize: number(1, undefined, {
    flag: "--db-pool-size <n>",
    env: "ENGRAM_DB_POOL_SIZE",
    initial: 10,
    help: "Postgres connections per server",
  }),
  logLevel: choice(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
    flag: "--log-level <level>",
    env: "ENGRAM_LOG_LEVEL",
    initial: "info",
    help: "how much to log on stderr",
    reembed: true,
  }),
  corsOrigins: originsSetting({
    flag: "--cors-origins <origins>",
    env: "ENGRAM_CORS_ORIGINS",
    initial: [],
    initialText: "none: no CORS headers",
    help: 'comma-separated browser origins allowed to call the API (https://host[:port], or "*" for any)',
  }),
  metricsToken: optionalText({
    flag: "--metrics-token <token>",
    env: "ENGRAM_METRICS_TOKEN",
    help: "a bearer token /metrics requires (none: /metrics is open)",
  }),
  metricsCountSeconds: number(0, 86400, {
    flag: "--metrics-count-interval <seconds>",
    env: "ENGRAM_METRICS_COUNT_INTERVAL",
    initial: 60,
    help: "how long a count of memories by state serves /metrics before a scrape counts again",
  }),
  embedding: {
    provider: choice(["local", "openai", "none"], {
      flag: "--embedder <provider>",
      env: "ENGRAM_EMBEDDER",
      initial: "local",
      help: "who computes embeddings: local (ONNX in-process), openai (any compatible API) or none",
      reembed: true,
    }),
    model: optionalText({
      flag: "--embedding-model <id>",
      env: "ENGRAM_EMBEDDING_MODEL",
      help: "embedding model (default: Xenova/all-MiniLM-L6-v2 for local, text-embedding-3-small for openai)",
      reembed: true,
    }),
    modelDir: optionalText({
      flag: "--model-dir <dir>",
      env: "ENGRAM_MODEL_DIR",
      help: "local models directory (<dir>/<model id>/...); nothing is downloaded when set (default: <data dir>/models, where a missing model is fetched)",
      reembed: true,
    }),
    modelHubUrl: text({
      flag: "--model-hub-url <url>",
      env: "ENGRAM_MODEL_HUB_URL",
      initial: "https://huggingface.co",
      help: "Hugging Face hub (or mirror) a missing model is fetched from before registry packages",
      reembed: true,
    }),
    dtype: choice(["q8", "fp32"], {
      flag: "--embedding-dtype <dtype>",
      env: "ENGRAM_EMBEDDING_DTYPE",
      initial: "q8",
      help: "local ONNX weights: q8 (onnx/model_quantized.onnx) or fp32 (onnx/model.onnx)",
      reembed: true,
    }),
    openaiBaseUrl: text({
      flag: "--openai-base-url <url>",
      env: "ENGRAM_OPENAI_BASE_URL",
      initial: "https://api.openai.com/v1",
      help: "OpenAI-compatible API base URL, up to /v1",
      reembed: true,
    }),
    openaiApiKey: optionalText({
      flag: "--openai-api-key <key>",
      env: "ENGRAM_OPENAI_API_KEY",
      help: "API key for --openai-base-url",
      reembed: true,
    }),
    dimensions: number(1, 16000, {
      flag: "--embedding-dimensions <n>",
      env: "ENGRAM_EMBEDDING_DIMENSIONS",
      initial: 384,
      help: "vector size requested from openai models; must match the database (384)",
      reembed: true,
    }),
    budgetMs: number(0, 60000, {
      flag: "--embed-budget-ms <ms>",
      env: "ENGRAM_EMBED_BUDGET_MS",
      initial: 200,
      help: "how long a write waits for its vector before committing PENDING",
    }),
  },
};

export type Config = ValuesOf<typeof SETTINGS>;

/** Every setting with its place in Config ("embedding.budgetMs"), in declaration order. */
function entries(group: object = SETTINGS, prefix: string[] = []): [string[], Setting<unknown>][] {
  return Object.entries(group).flatMap(([key, value]) =>
    isSetting(value)
      ? [[[...prefix, key], value] as [string[], Setting<unknown>]]
      : entries(value as object, [...prefix, key]),
  );
}

/** The defaults of every setting: what `engram serve` uses without flags or environment. */
export const DEFAULT_CONFIG: Config = build(() => undefined);

function optionOf(s: Setting<unknown>): Option {
  const option = new Option(s.flag, s.help).env(s.env);
  if (s.choices !== undefined) option.choices(s.choices);
  if (s.parse !== undefined) option.argParser(argParser(s.parse));
  if (s.initial !== undefined && !s.isSwitch) option.default(s.initial, s.initialText);
  return option;
}

/** Every server setting, as a flag with its environment variable and default. */
export function serveOptions(): Option[] {
  return entries().map(([, s]) => optionOf(s));
}

/** The settings `engram reembed` takes (the database and the embedder); the rest are hidden from its help. */
export function reembedOptions(): Option[] {
  return entries().map(([, s]) => (s.reembed === true ? optionOf(s) : optionOf(s).hideHelp()));
}

export function configFrom(command: Command): Config {
  const opts = command.opts<Record<string, unknown>>();
  const config = build((s) => {
    const name = new Option(s.flag).attributeName();
    if (s.isSwitch) return switchValue(command, name, s.env);
    // An empty text (ENGRAM_API_KEY=) is no value.
    return opts[name] === "" ? undefined : opts[name];
  });
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    command.error("error: --tls-cert and --tls-key go together");
  }
  if (config.databaseUrl !== undefined) {
    // Checked here, not by an argParser: commander would quote the whole URL, password included.
    try {
      parseDatabaseUrl(config.databaseUrl);
    } catch (err) {
      command.error(`error: ${(err as Error).message}`);
    }
  }
  return config;
}

/** A Config from each setting's value (`valueOf`), or its default where that gives none. */
function build(valueOf: (s: Setting<unknown>) => unknown): Config {
  const config: Record<string, unknown> = {};
  for (const [path, s] of entries()) {
    let group = config;
    for (const key of path.slice(0, -1)) group = (group[key] ??= {}) as Record<string, unknown>;
    group[path.at(-1) ?? ""] = valueOf(s) ?? s.initial;
  }
  return config as Config;
}

/**
 * A switch that commander sets from the mere presence of its variable; here
 * ENGRAM_CREATE_DATABASE=false (or 0) means false, and only true or 1 mean true.
 */
function switchValue(command: Command, name: string, env: string): boolean {
  if (command.getOptionValueSource(name) !== "env") return command.opts()[name] === true;
  const value = (process.env[env] ?? "").trim().toLowerCase();
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0" || value === "") return false;
  return command.error(`error: ${env} must be true, false, 1 or 0`);
}
