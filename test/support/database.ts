import { randomUUID } from "node:crypto";
import { withClient } from "./pg-client.js";
import { inject } from "vitest";
import { sameDatabaseOn } from "../../src/db/database-url.js";
import { citusWorkers, createCitusDatabase, dropCitusDatabase } from "./citus.js";

/**
 * A database of its own on the Postgres server named by `baseUrl`, so that every test server
 * starts as empty as an embedded one does: a copy of the migrated template (templates.ts) when
 * `baseUrl` is the suite's DATABASE_URL, else a new, empty one. Dropped again by `drop()`. With
 * READ_DATABASE_URL (a standby of DATABASE_URL's server), `replicaUrls` names the copy there.
 */
export async function createTestDatabase(
  baseUrl: string,
): Promise<{ url: string; replicaUrls: string[]; drop(): Promise<void> }> {
  const name = `engram_test_${randomUUID().replaceAll("-", "")}`;
  if (citusWorkers.length > 0 && baseUrl === process.env.DATABASE_URL) {
    await createCitusDatabase(baseUrl, name);
    return {
      url: sameDatabaseOn(baseUrl, `postgres:///${name}`),
      replicaUrls: [],
      drop: () => dropCitusDatabase(baseUrl, name),
    };
  }
  const template = baseUrl === process.env.DATABASE_URL ? inject("postgresTemplate") : "";
  await withClient(baseUrl, (client) =>
    client.query(`create database ${name}${template === "" ? "" : ` template ${template}`}`),
  );
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  // CI's pass with a hot standby (READ_DATABASE_URL): the copy appears there too, and the servers read it.
  const standby = baseUrl === process.env.DATABASE_URL ? process.env.READ_DATABASE_URL : undefined;
  return {
    url: url.toString(),
    replicaUrls: standby ? [sameDatabaseOn(standby, url.toString())] : [],
    drop: async () => {
      await withClient(baseUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
    },
  };
}
