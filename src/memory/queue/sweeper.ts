import type { EntityManager } from "@mikro-orm/sql";
import type { Logger } from "pino";
import { RetentionRepository } from "./retention.repository.js";
import { WriteRequestRepository } from "../write/write-request.repository.js";
import { StagedWriteRepository } from "../../staging/staged-write.repository.js";
import { loggableError } from "../../logger.js";

const BATCH = 1000;
const REQUEST_ID_TTL_MS = 24 * 3600 * 1000;

/**
 * Records in history the expiry of memories whose time has come, then purges memories deleted
 * or expired before the retention window (their history with them), staged writes that expired
 * before it, and stale request ids.
 */
export async function sweep(em: EntityManager, retentionDays: number, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * 24 * 3600 * 1000);
  const memories = new RetentionRepository(em.fork());
  for (let n = BATCH; n === BATCH;) {
    n = await memories.recordExpiries(now, BATCH);
  }
  let purged = 0;
  for (let n = BATCH; n === BATCH; purged += n) {
    n = await memories.purge(cutoff, BATCH);
  }
  await new StagedWriteRepository(em.fork()).purge(cutoff);
  await new WriteRequestRepository(em.fork()).purge(new Date(now.getTime() - REQUEST_ID_TTL_MS));
  return purged;
}

export function startSweeper(
  em: EntityManager,
  options: {
    retentionDays: number;
    intervalSeconds: number;
    logger: Logger;
    /** While true, rounds are skipped: a purge writes too (the disk is nearly full). */
    paused?: () => boolean;
  },
) {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    if (options.paused?.()) return;
    running = sweep(em, options.retentionDays).then(
      (purged) => {
        if (purged > 0) options.logger.info({ purged }, "expiry sweeper purged memories");
      },
      (err: unknown) => options.logger.error({ error: loggableError(err) }, "expiry sweeper failed"),
    );
  }, options.intervalSeconds * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
