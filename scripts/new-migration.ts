/**
 * Writes the migration that brings a database migrated by the committed migrations to the
 * schema the entities define (src/schema.ts), and lists it in src/db/migrations/index.ts.
 *
 *   npm run db:migration -- <name-in-kebab-case>
 */
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../src/db/orm.js";
import { SCHEMA } from "../src/schema.js";

const MIGRATIONS = join(import.meta.dirname, "../src/db/migrations");

const name = process.argv[2] ?? "";
if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) {
  console.error("usage: npm run db:migration -- <name-in-kebab-case>");
  process.exit(2);
}

const dataDir = await mkdtemp(join(tmpdir(), "engram-migration-"));
const db = await openDatabase({ schema: SCHEMA, dataDir });
const { up } = await db.schemaChanges().finally(() => db.close());
await rm(dataDir, { recursive: true, force: true });
if (up.length === 0) {
  console.log("the migrations already produce the entities' schema: nothing to write");
  process.exit(0);
}

const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
const file = `${stamp}-${name}`;
await writeFile(join(MIGRATIONS, `${file}.ts`), migrationSource(className(file), up));
await writeFile(join(MIGRATIONS, "index.ts"), indexSource(await listMigrations()));
console.log(`wrote src/db/migrations/${file}.ts: describe why in its doc comment, then run npm run format`);

function className(file: string): string {
  return (
    "Migration" +
    file
      .split("-")
      .map((part) => part[0]?.toUpperCase() + part.slice(1))
      .join("")
  );
}

function migrationSource(name: string, statements: string[]): string {
  const lines = statements.map((s) => `    this.addSql(${JSON.stringify(s)});`);
  return [
    `import { Migration } from "@mikro-orm/migrations";`,
    ``,
    `/** Generated from the entities by npm run db:migration. */`,
    `export class ${name} extends Migration {`,
    `  override up(): void {`,
    ...lines,
    `  }`,
    `}`,
    ``,
  ].join("\n");
}

async function listMigrations(): Promise<string[]> {
  const files = await readdir(MIGRATIONS);
  return files
    .filter((f) => /^\d{14}-.*\.ts$/.test(f))
    .map((f) => f.slice(0, -".ts".length))
    .sort();
}

function indexSource(files: string[]): string {
  return [
    ...files.map((f) => `import { ${className(f)} } from "./${f}.js";`),
    ``,
    `/** Every migration, oldest first. Applied on start; never edit one that has shipped. */`,
    `export const migrations = [`,
    ...files.map((f) => `  { name: "${f}", class: ${className(f)} },`),
    `];`,
    ``,
  ].join("\n");
}
