import { Command, Option } from "commander";
import { startEngram } from "./app.js";
import { eraseCommand } from "./cli/erase-command.js";
import { evalCommand } from "./cli/eval-command.js";
import { tuneCommand } from "./cli/tune/tune-command.js";
import { keysCommand } from "./cli/keys-command.js";
import { statsCommand } from "./cli/stats-command.js";
import { exportCommand, importCommand } from "./cli/transfer-commands.js";
import { configFrom, reembedOptions, serveOptions } from "./config.js";
import { DataDirLockedError } from "./db/data-dir-lock.js";
import { reembed } from "./reembed.js";
import { createLogger, loggableError } from "./logger.js";
import { startTracing } from "./telemetry/tracing.js";
import { ENGRAM_VERSION } from "./version.js";

const program = new Command("engram")
  .description("Engram: a memory service for AI agents")
  .version(ENGRAM_VERSION, "-V, --version", "print the version and exit");

const serve = program.command("serve", { isDefault: true }).description("run the server");
for (const option of serveOptions()) serve.addOption(option);
serve.addHelpText(
  "after",
  "\nTraces (OpenTelemetry) are configured by the standard OTEL_* variables and are off unless\n" +
    "OTEL_TRACES_EXPORTER names an exporter or OTEL_EXPORTER_OTLP_ENDPOINT is set (docs/tracing.md).",
);
serve.action(async () => {
  const config = configFrom(serve);
  const logger = createLogger(config.logLevel);
  const failed = (err: unknown): never => {
    // One structured line instead of a stack trace (port taken, database unreachable, bad TLS files...).
    logger.fatal({ err }, "engram failed to start");
    process.exit(1);
  };
  // Before anything that is traced; off, unless the OTEL_* environment asks for it.
  const tracing = await startTracing(process.env, logger).catch(failed);
  const engram = await startEngram(config, logger).catch(failed);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    // The spans of the last calls are exported after they finish.
    engram.close().then(
      () => tracing.stop().finally(() => process.exit(0)),
      (err: unknown) => {
        logger.error({ error: loggableError(err) }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
});

program.addCommand(keysCommand());
program.addCommand(statsCommand());
program.addCommand(exportCommand());
program.addCommand(importCommand());
program.addCommand(eraseCommand());
program.addCommand(evalCommand());
program.addCommand(tuneCommand());

program
  .command("mcp")
  .description("serve the memory tools over MCP on stdin/stdout, as a client of a running Engram server")
  .addOption(new Option("--url <url>", "the Engram server").env("ENGRAM_URL").default("http://127.0.0.1:8080"))
  .addOption(
    new Option("--api-key <key>", "the API key the tools act with").env("ENGRAM_API_KEY").makeOptionMandatory(),
  )
  .action(async (o: { url: string; apiKey: string }) => {
    const { serveStdio } = await import("./mcp/stdio.js");
    await serveStdio({ url: o.url, apiKey: o.apiKey });
  });

const reembedCommand = program
  .command("reembed")
  .description(
    "re-embed memories with the configured model (stop an embedded-PGlite server first: it refuses otherwise)",
  )
  .option("--all", "re-embed every memory, not only those embedded by another model or not at all");
// The server's options configure the database and the embedder; only those are shown.
for (const option of reembedOptions()) reembedCommand.addOption(option);
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
