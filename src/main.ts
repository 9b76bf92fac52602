import { join } from "node:path";
import { ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { Command, Option } from "commander";
import { ApiKeyService } from "../gen/ts/engram/v1/api_key_service_pb.js";
import { startEngram } from "./app.js";
import { ApiKeys, readAdminKey, type NewApiKey } from "./auth/api-keys.js";
import { SCOPES, type Scope } from "./auth/principal.js";
import { configFrom, serveOptions } from "./config.js";
import { DataDirLockedError, type LockListener } from "./db/data-dir-lock.js";
import { parseDatabaseUrl } from "./db/database-url.js";
import { SCHEMA } from "./schema.js";
import { openDatabase, type Database } from "./db/orm.js";
import { reembed } from "./reembed.js";
import { createLogger, loggableError } from "./logger.js";
import { serveStdio } from "./mcp/stdio.js";

const program = new Command("engram").description("Engram: a memory service for AI agents");

const serve = program.command("serve", { isDefault: true }).description("run the server");
for (const option of serveOptions()) serve.addOption(option);
serve.action(async () => {
  const config = configFrom(serve);
  const logger = createLogger(config.logLevel);
  const engram = await startEngram(config, logger).catch((err: unknown) => {
    // One structured line instead of a stack trace (port taken, database unreachable, bad TLS files...).
    logger.fatal({ err }, "engram failed to start");
    process.exit(1);
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    engram.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ error: loggableError(err) }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
});

const keys = program.command("keys").description("manage API keys (for operators)");
const keysCreate = keys
  .command("create")
  .description(
    "create an API key in any workspace and print its secret (while an embedded server runs: through that server, in its admin key's workspace)",
  )
  .requiredOption("--workspace <id>", "the workspace the key belongs to")
  .addOption(new Option("--scopes <scopes...>", "scopes").choices(SCOPES).default(["memory:read", "memory:write"]))
  .option("--agent <id>", "bind the key to one agent")
  .option("--name <name>", "display name", "")
  .addOption(new Option("--database-url <url>").env("DATABASE_URL"))
  .addOption(new Option("--data-dir <dir>").env("ENGRAM_DATA_DIR").default(".data"));
keysCreate.action(
  async (o: {
    workspace: string;
    scopes: Scope[];
    agent?: string;
    name: string;
    databaseUrl?: string;
    dataDir: string;
  }) => {
    const databaseUrl = o.databaseUrl || undefined;
    if (databaseUrl !== undefined) parseDatabaseUrl(databaseUrl);
    const key: NewApiKey = {
      workspaceId: o.workspace,
      displayName: o.name,
      scopes: o.scopes,
      agentId: o.agent ?? null,
    };
    let db: Database;
    try {
      db = await openDatabase({ schema: SCHEMA, databaseUrl, dataDir: o.dataDir, logger: createLogger("warn") });
    } catch (err) {
      if (!(err instanceof DataDirLockedError)) throw err;
      // The embedded database belongs to the running server: a key written beside it would be lost.
      process.stdout.write((await createKeyThroughServer(err, o.dataDir, key)) + "\n");
      return;
    }
    try {
      const { secret } = await new ApiKeys(db.em).create(key);
      process.stdout.write(secret + "\n");
    } finally {
      await db.close();
    }
  },
);

/**
 * Creates the key with ApiKeyService on the server that holds the data directory, acting with
 * the directory's admin.key, which can only create keys in its own workspace.
 */
async function createKeyThroughServer(locked: DataDirLockedError, dataDir: string, key: NewApiKey): Promise<string> {
  const { listener } = locked.holder;
  if (listener === undefined) {
    throw new Error(`${locked.message}: run this again once it is listening, or after it has stopped`);
  }
  const url = serverUrl(listener);
  const otherwise = `stop it and run this again, or call ApiKeyService.CreateApiKey on ${url} with an admin key of workspace "${key.workspaceId}"`;
  const adminKeyFile = join(dataDir, "admin.key");
  const adminKey = await readAdminKey(dataDir).catch(() => {
    throw new Error(`${locked.message}, and ${adminKeyFile} cannot be read: ${otherwise}`);
  });
  const client = createClient(ApiKeyService, createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));
  const call = { headers: { authorization: `Bearer ${adminKey}` } };
  try {
    // The admin key's workspace, read from the keys it may list (its own among them).
    const { apiKeys } = await client.listApiKeys({ pageSize: 1 }, call);
    const workspace = apiKeys[0]?.workspaceId;
    if (workspace !== key.workspaceId) {
      throw new Error(
        `${locked.message}; its ${adminKeyFile} creates keys in workspace "${workspace}", not "${key.workspaceId}": ${otherwise}`,
      );
    }
    const { secret } = await client.createApiKey(
      { apiKey: { displayName: key.displayName, scopes: key.scopes, agentId: key.agentId ?? "" } },
      call,
    );
    process.stderr.write(`created through the running server at ${url} (pid ${locked.holder.pid})\n`);
    return secret;
  } catch (err) {
    if (!(err instanceof ConnectError)) throw err;
    throw new Error(`${locked.message}, which refused ${adminKeyFile} (${err.message}): ${otherwise}`, {
      cause: err,
    });
  }
}

/** Where this host reaches a server listening on `listener` (a wildcard address means loopback). */
function serverUrl({ host, port, tls }: LockListener): string {
  const reachable = host === "" || host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  const address = reachable.includes(":") ? `[${reachable}]` : reachable;
  return `${tls ? "https" : "http"}://${address}:${port}`;
}

program
  .command("mcp")
  .description("serve the memory tools over MCP on stdin/stdout, as a client of a running Engram server")
  .addOption(new Option("--url <url>", "the Engram server").env("ENGRAM_URL").default("http://127.0.0.1:8080"))
  .addOption(
    new Option("--api-key <key>", "the API key the tools act with").env("ENGRAM_API_KEY").makeOptionMandatory(),
  )
  .action(async (o: { url: string; apiKey: string }) => {
    await serveStdio({ url: o.url, apiKey: o.apiKey });
  });

const reembedCommand = program
  .command("reembed")
  .description(
    "re-embed memories with the configured model (stop an embedded-PGlite server first: it refuses otherwise)",
  )
  .option("--all", "re-embed every memory, not only those embedded by another model or not at all");
for (const option of serveOptions()) reembedCommand.addOption(option);
reembedCommand.action(async (o: { all?: boolean }) => {
  const config = configFrom(reembedCommand);
  const pending = await reembed(config, createLogger(config.logLevel), o.all ?? false).catch((err: unknown) => {
    if (!(err instanceof DataDirLockedError)) throw err;
    // Two processes on one embedded database lose writes; the server's worker embeds pending rows anyway.
    return reembedCommand.error(
      `error: ${err.message}: stop that server first, then run reembed (while it runs, it embeds pending memories itself)`,
    );
  });
  if (pending > 0) {
    process.stderr.write(`${pending} memories are still pending: the embedder failed on them; run again later\n`);
    process.exit(1);
  }
});

await program.parseAsync().catch((err: unknown) => {
  // What an operator can act on, without a stack trace.
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
