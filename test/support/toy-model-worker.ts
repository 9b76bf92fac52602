/**
 * A model small enough for the model host's tests, hosted as the real ones are (serveModel): its
 * weights are a JSON file, { "factor": n }, read at load, and a call multiplies its numbers by the
 * factor, one step per number. A call can also end the thread, as running out of memory would.
 */
import { readFile } from "node:fs/promises";
import { getPriority } from "node:os";
import { serveModel } from "../../src/model-host/model-thread.ts";

export interface ToyData {
  /** The weights file. */
  path: string;
}

/** Numbers to multiply; or the steps the previous call took; or the end of the thread. */
export type ToyRequest = { numbers: number[]; stepMs?: number } | { lastSteps: true } | { exit: true };

export interface ToyResult {
  products: Float64Array;
  /** The steps taken (fewer than the numbers when the caller went away). */
  steps: number;
  /** The nice value the model's thread runs at. */
  nice: number;
}

await serveModel<ToyData, ToyRequest, ToyResult>(async ({ path }) => {
  const { factor } = JSON.parse(await readFile(path, "utf8")) as { factor?: unknown };
  if (typeof factor !== "number") throw new Error(`${path} is not a toy model: it has no factor`);
  // What the last call did, cancelled or not: a test asks how far a cancelled one got.
  let lastSteps = 0;
  return async (request, cancelled) => {
    // In a worker thread, process.exit() ends the thread only.
    if ("exit" in request) process.exit(1);
    if ("lastSteps" in request)
      return { result: { products: new Float64Array(), steps: lastSteps, nice: getPriority() } };
    const products = new Float64Array(request.numbers.length);
    let steps = 0;
    for (const [i, n] of request.numbers.entries()) {
      lastSteps = steps;
      if (cancelled()) throw new Error("the caller went away");
      await new Promise((resolve) => setTimeout(resolve, request.stepMs ?? 0));
      products[i] = n * factor;
      steps += 1;
    }
    lastSteps = steps;
    return { result: { products, steps, nice: getPriority() }, transfer: [products.buffer] };
  };
});
