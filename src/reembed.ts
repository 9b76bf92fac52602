import { SingleBar, Presets } from "cli-progress";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import { openDatabase } from "./db/orm.js";
import { SCHEMA } from "./schema.js";
import { PGLITE_SEED } from "./generated-files.js";
import { EmbeddingQueueRepository } from "./memory/queue/embedding-queue.repository.js";
import { createEmbedder } from "./embedding/create.js";
import { Embeddings } from "./embedding/embeddings.js";
import { EmbeddingWorker } from "./embedding/worker.js";

/**
 * Re-embeds memories with the configured model: those embedded by another model (or not at
 * all), or every memory with `everything`. Runs the background worker's own rounds in the
 * foreground, with a progress bar on stderr. Returns how many are still pending at the end.
 */
export async function reembed(config: Config, logger: Logger, everything: boolean): Promise<number> {
  const db = await openDatabase({
    schema: SCHEMA,
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    pgliteSeed: PGLITE_SEED,
    poolSize: 2,
    createDatabase: config.createDatabase,
    connectTimeoutSeconds: config.dbConnectTimeoutSeconds,
    logger,
  });
  try {
    const embeddings = new Embeddings(createEmbedder(config.embedding, config.dataDir, logger), {
      budgetMs: config.embedding.budgetMs,
      logger,
    });
    const queue = new EmbeddingQueueRepository(db.em.fork());
    await embeddings.start(await queue.columnDimensions());
    if (embeddings.model === null && embeddings.configured) {
      process.stderr.write("waiting for the embedding model (it may be being fetched)...\n");
      await embeddings.waitUntilReady();
    }
    const model = embeddings.model;
    if (model === null) throw new Error("the embedder is not available; nothing was changed");
    const total = await queue.requeue({ model, everything });
    const worker = new EmbeddingWorker(() => new EmbeddingQueueRepository(db.em.fork()), embeddings, logger);
    const bar = new SingleBar(
      { format: "re-embedding {bar} {value}/{total} memories | {eta_formatted} left" },
      Presets.shades_classic,
    );
    bar.start(total, 0);
    let done = 0;
    await worker.drain((handled) => bar.update(Math.min((done += handled), total)));
    bar.stop();
    const pending = await queue.countPending();
    logger.info({ model, requeued: total, pending }, "re-embedding finished");
    process.stderr.write(`re-embedded ${total - pending} of ${total} memories with ${model}\n`);
    return pending;
  } finally {
    await db.close();
  }
}
