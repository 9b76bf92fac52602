import { createRequire } from "node:module";

/**
 * This build's version, package.json's: read where the code runs from, src/ under tsx or the
 * compiled dist/, both one level below the package's root, so a release never states another.
 */
export const ENGRAM_VERSION: string = (createRequire(import.meta.url)("../package.json") as { version: string })
  .version;
