import type { EntityManager } from "@mikro-orm/sql";
import type { Logger } from "pino";
import { RetentionRepository } from "./retention.repository.js";
import { WriteRequestRepository } from "../write/write-request.repository.js";
import { StagedWriteRepository } from "../../staging/staged-write.repository.js";
import { loggableError } from "../../logger.js";
import { ChangeLogRepository } from "../../feed/change-log.repository.js";

const BATCH = 1000;
const REQUEST_ID_TTL_MS = 24 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

export interface Retention {
  /** Days a deleted or expired memory (and a staged write) is kept. */
  memoryDays: number;
  /** Days the change log keeps a change for WatchMemories to resume from. */
  changeDays: number;
}

/**
 * Records in history the expiry of memories whose time has come, then purges memories deleted
 * or expired before the retention window (their history with them), staged writes that expired
 * before it, changes older than the change log keeps, and stale request ids. Returns the
 * number of memories purged and of expiries recorded (news for the change feed).
 */
export async function sweep(
  em: EntityManager,
  retention: Retention,
  now = new Date(),
): Promise<{ purged: number; expired: number }> {
  const cutoff = new Date(now.getTime() - retention.memoryDays * DAY_MS);
  const memories = new RetentionRepository(em.fork());
  let expired = 0;
  for (let n = BATCH; n === BATCH; expired += n) {
    n = await memories.recordExpiries({ now, batchSize: BATCH });
  }
  let purged = 0;
  for (let n = BATCH; n === BATCH; purged += n) {
    n = await memories.purge({ cutoff, batchSize: BATCH });
  }
  await new StagedWriteRepository(em.fork()).purge(cutoff);
  const changeLog = new ChangeLogRepository(em.fork());
  const changeCutoff = new Date(now.getTime() - retention.changeDays * DAY_MS);
  for (let n = BATCH; n === BATCH;) {
    n = await changeLog.purge({ cutoff: changeCutoff, limit: BATCH });
  }
  await new WriteRequestRepository(em.fork()).purge(new Date(now.getTime() - REQUEST_ID_TTL_MS));
  return { purged, expired };
}

export function startSweeper(
  em: EntityManager,
  options: {
    retention: Retention;
    intervalSeconds: number;
    logger: Logger;
    /** Called after a round that recorded expiries, which the change log then holds. */
    onExpired?: () => void;
    /** While true, rounds are skipped: a purge writes too (the disk is nearly full). */
    paused?: () => boolean;
  },
) {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    if (options.paused?.()) return;
    running = sweep(em, options.retention).then(
      ({ purged, expired }) => {
        if (expired > 0) options.onExpired?.();
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
