import { Command, Option } from "commander";
import { startEngram } from "./app.js";
import { ApiKeys } from "./auth/api-keys.js";
import { SCOPES, type Scope } from "./auth/principal.js";
import { configFrom, serveOptions } from "./config.js";
import { openDatabase } from "./db/orm.js";
import { reembed } from "./embedding/reembed.js";
import { createLogger } from "./logger.js";
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
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
});

const keys = program.command("keys").description("manage API keys directly in the database (for operators)");
keys
  .command("create")
  .description("create an API key in any workspace and print its secret")
  .requiredOption("--workspace <id>", "the workspace the key belongs to")
  .addOption(new Option("--scopes <scopes...>", "scopes").choices(SCOPES).default(["memory:read", "memory:write"]))
  .option("--agent <id>", "bind the key to one agent")
  .option("--name <name>", "display name", "")
  .addOption(new Option("--database-url <url>").env("DATABASE_URL"))
  .addOption(new Option("--data-dir <dir>").env("ENGRAM_DATA_DIR").default(".data"))
  .action(
    async (o: {
      workspace: string;
      scopes: Scope[];
      agent?: string;
      name: string;
      databaseUrl?: string;
      dataDir: string;
    }) => {
      const db = await openDatabase({ databaseUrl: o.databaseUrl, dataDir: o.dataDir });
      try {
        const { secret } = await new ApiKeys(db.em).create({
          workspaceId: o.workspace,
          displayName: o.name,
          scopes: o.scopes,
          agentId: o.agent ?? null,
        });
        process.stdout.write(secret + "\n");
      } finally {
        await db.close();
      }
    },
  );

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
  .description("re-embed memories with the configured model (stop an embedded-PGlite server first)")
  .option("--all", "re-embed every memory, not only those embedded by another model or not at all");
for (const option of serveOptions()) reembedCommand.addOption(option);
reembedCommand.action(async (o: { all?: boolean }) => {
  const config = configFrom(reembedCommand);
  const pending = await reembed(config, createLogger(config.logLevel), o.all ?? false);
  if (pending > 0) {
    process.stderr.write(`${pending} memories are still pending: the embedder failed on them; run again later\n`);
    process.exit(1);
  }
});

await program.parseAsync();
