import type { TestProject } from "vitest/node";
import { citusWorkers } from "./citus.js";
import { makePgliteTemplate, makePostgresTemplate } from "./templates.js";

/**
 * Before any suite of a project that opens databases: the migrated templates its test servers
 * start from (see templates.ts), the Postgres one on DATABASE_URL's server when it is set
 * (and is not a Citus coordinator, citus.ts).
 */
export default async function setup(project: TestProject): Promise<void> {
  project.provide("pgliteTemplate", await makePgliteTemplate());
  const databaseUrl = process.env.DATABASE_URL;
  // A template cannot carry a Citus cluster's shards: each test database is made afresh there.
  const template = databaseUrl && citusWorkers.length === 0;
  project.provide("postgresTemplate", template ? await makePostgresTemplate(databaseUrl) : "");
}
