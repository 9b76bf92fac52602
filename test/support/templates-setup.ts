import type { TestProject } from "vitest/node";
import { makePgliteTemplate, makePostgresTemplate } from "./templates.js";

/**
 * Before any suite of a project that opens databases: the migrated templates its test servers
 * start from (see templates.ts), the Postgres one on DATABASE_URL's server when it is set.
 */
export default async function setup(project: TestProject): Promise<void> {
  project.provide("pgliteTemplate", await makePgliteTemplate());
  const databaseUrl = process.env.DATABASE_URL;
  project.provide("postgresTemplate", databaseUrl ? await makePostgresTemplate(databaseUrl) : "");
}
