import type { Logger } from "pino";
import type { ApiKeys } from "../auth/api-keys.js";
import type { Config } from "../config.js";
import type { Database } from "../db/orm.js";
import { freeSpaceOf, StorageReserve } from "../db/storage-reserve.js";

/** The first start's admin key (or ENGRAM_API_KEY's), and the line saying where its secret is. */
export async function bootstrapAdminKey(apiKeys: ApiKeys, config: Config, logger: Logger): Promise<void> {
  const adminKeyPath = await apiKeys.bootstrap(config.dataDir, config.apiKey);
  if (adminKeyPath !== null) {
    // A structured line like every other one on stderr; warn, so that it shows at any usual log level.
    logger.warn(
      { workspace: "default", adminKeyFile: adminKeyPath },
      `created an admin API key; its secret is in ${adminKeyPath}`,
    );
  }
}

/**
 * The free-space reserve of the embedded data directory, measured once. Only the embedded
 * engine's disk is this process's to watch: Postgres refuses writes itself (53100).
 */
export async function embeddedStorageReserve(
  db: Database,
  config: Config,
  logger: Logger,
): Promise<StorageReserve | undefined> {
  if (db.kind !== "pglite") return undefined;
  const storage = new StorageReserve({
    reserveBytes: config.storageReserveMb * 1024 * 1024,
    freeSpace: freeSpaceOf(config.dataDir),
    logger,
  });
  await storage.measure();
  return storage;
}
