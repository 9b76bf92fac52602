import { readFile } from "node:fs/promises";

/** The committed OpenAPI document (`npm run generate` writes it from the protos). */
export async function readOpenApi(file: URL): Promise<string> {
  return readFile(file, "utf8");
}
