/**
 * Vectors for bench/load.ts --load import, which loads more memories than the embedder could
 * embed in a run (a million take it over 45 minutes here). A pool of real notes is embedded
 * once; memory i gets the vector of pool note i mod n, moved by a little noise and normalised,
 * so the vectors cluster the way paraphrases do around real sentence embeddings, and searches
 * with real question vectors walk an HNSW graph of a realistic shape. Deterministic for a seed.
 */
import { LocalEmbedder } from "../src/embedding/local.js";
import { note, random } from "./load-data.js";

export const LOCAL_MODEL_ID = "local:Xenova/all-MiniLM-L6-v2:q8";

/** Per-dimension noise: about 0.2 in norm over 384 dimensions, so a vector keeps ~0.98 cosine to its note's. */
const NOISE = 0.0125;

export async function syntheticVectors(poolSize: number, seed: number): Promise<(i: number) => number[]> {
  const embedder = new LocalEmbedder({
    model: "Xenova/all-MiniLM-L6-v2",
    modelDir: process.env.ENGRAM_MODEL_DIR ?? ".models",
    dtype: "q8",
  });
  const rand = random(seed);
  const notes = Array.from({ length: poolSize }, () => note(rand));
  const pool: number[][] = [];
  for (let i = 0; i < notes.length; i += 64) pool.push(...(await embedder.embed(notes.slice(i, i + 64))));
  await embedder.close();
  return (i) => {
    const noise = random(seed * 1_000_003 + i);
    const base = pool[i % pool.length]!;
    const moved = base.map((v) => v + NOISE * gaussian(noise));
    const norm = Math.hypot(...moved);
    return moved.map((v) => v / norm);
  };
}

/** Box-Muller. */
function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}
