import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { configFrom, DEFAULT_CONFIG, reembedOptions, serveOptions } from "./config.js";

/**
 * The configuration `engram serve` would get from these arguments and environment, and from no
 * other: the variables of the process running the tests (CI sets ENGRAM_MODEL_DIR) are hidden.
 */
function configOf(args: string[], env: Record<string, string> = {}) {
  const options = serveOptions();
  for (const option of options) if (option.envVar) vi.stubEnv(option.envVar, undefined);
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  const command = new Command("serve").exitOverride();
  for (const option of options) command.addOption(option);
  command.parse(args, { from: "user" });
  return configFrom(command);
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("the configuration", () => {
  it("is the defaults without flags or environment, nested groups included", () => {
    const config = configOf([]);
    expect(config).toEqual(DEFAULT_CONFIG);
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: undefined,
      createDatabase: false,
      corsOrigins: [],
      embedding: { provider: "local", dtype: "q8", dimensions: 384, budgetMs: 200, model: undefined },
    });
  });

  it("reads flags over variables, parsed by each setting's reader, into their places", () => {
    const config = configOf(["--port", "9000", "--embed-budget-ms", "50", "--cors-origins", "https://a.example"], {
      ENGRAM_PORT: "7000",
      ENGRAM_EMBEDDING_MODEL: "BAAI/bge-small-en-v1.5",
      ENGRAM_METRICS_COUNT_INTERVAL: "5",
    });
    expect(config.port).toBe(9000);
    expect(config.corsOrigins).toEqual(["https://a.example"]);
    expect(config.metricsCountSeconds).toBe(5);
    expect(config.embedding).toMatchObject({ budgetMs: 50, model: "BAAI/bge-small-en-v1.5" });
  });

  it("takes an empty variable as unset, and a switch's variable only as true, false, 1 or 0", () => {
    expect(configOf([], { ENGRAM_API_KEY: "" }).apiKey).toBeUndefined();
    expect(configOf([], { ENGRAM_CREATE_DATABASE: "1" }).createDatabase).toBe(true);
    expect(configOf([], { ENGRAM_CREATE_DATABASE: "false" }).createDatabase).toBe(false);
    expect(configOf(["--create-database"]).createDatabase).toBe(true);
  });

  it("takes a rerank API's URL and its settings, and refuses a URL it cannot read without echoing it", () => {
    const config = configOf(["--reranker", "https://rerank.example/v1/rerank", "--reranker-api", "tei"], {
      ENGRAM_RERANKER_API_KEY: "k-secret",
      ENGRAM_RERANKER_CONCURRENCY: "8",
    });
    expect(config.reranker).toBe("https://rerank.example/v1/rerank");
    expect(config.remoteReranker).toEqual({ api: "tei", apiKey: "k-secret", concurrency: 8, timeoutMs: 2000 });
    expect(() => configOf(["--reranker", "http://user:pw@"])).toThrow(/--reranker is not a valid http\(s\) URL$/);
    expect(() => configOf(["--reranker-api", "openai"])).toThrow(/Allowed choices are cohere, tei/);
  });

  it("gives every setting a flag and a variable, and reembed only the database's and the embedder's", () => {
    const serve = serveOptions();
    expect(new Set(serve.map((o) => o.envVar)).size).toBe(serve.length);
    expect(serve.every((o) => o.long?.startsWith("--") && o.envVar !== undefined)).toBe(true);
    const shown = reembedOptions()
      .filter((o) => !o.hidden)
      .map((o) => o.long);
    expect(shown).toContain("--database-url");
    expect(shown).toContain("--embedding-model");
    expect(shown).not.toContain("--port");
  });
});
