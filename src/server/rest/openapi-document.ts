import { readFile } from "node:fs/promises";

/** The committed OpenAPI document (`npm run generate` writes it from the protos). */
export async function readOpenApi(): Promise<string> {
  return readFile(new URL("../../../gen/openapi/engram.openapi.json", import.meta.url), "utf8");
}
