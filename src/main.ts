import { Command } from "commander";
import { startEngram } from "./app.js";
import { configFrom, serveOptions } from "./config.js";
import { createLogger } from "./logger.js";

const program = new Command("engram").description("Engram: a memory service for AI agents");

const serve = program.command("serve", { isDefault: true }).description("run the server");
for (const option of serveOptions()) serve.addOption(option);
serve.action(async () => {
  const config = configFrom(serve);
  const logger = createLogger(config.logLevel);
  const engram = await startEngram(config, logger);
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

await program.parseAsync();
