import { readFileSync } from "node:fs";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";

/** A sample file of test/fixtures/importers (each in its system's documented format), as the CLI reads it. */
export function importerFixture(name: string): { text: string; file: string } {
  return { text: readFileSync(new URL(`../fixtures/importers/${name}`, import.meta.url), "utf8"), file: name };
}

/** A converted time as ISO 8601 (UTC), or undefined when unset. */
export const isoOf = (t: Timestamp | undefined): string | undefined =>
  t === undefined ? undefined : timestampDate(t).toISOString();
