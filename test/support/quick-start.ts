/**
 * V8 flags for the processes tests start: vitest's workers (but the engine tier's) and every
 * spawned server and CLI command. PGlite is a large WebAssembly module, and by default V8
 * recompiles its hot functions with its optimizing compiler in the background; a test database
 * lives for seconds, so that work is mostly spent and thrown away, and stopping the thread waits
 * for it. With Liftoff only, a PGlite thread's start and stop took 0.5 CPU-s instead of 1.0, and
 * npm test 520 CPU-s instead of 574 on 2 cores (decision 0027). The engine tier keeps the
 * default: its 10,000-memory files run long enough that the optimized code pays for itself
 * (vector-index.test.ts: 53-60 s with Liftoff only, 46-48 s without). The flag changes how fast,
 * never what runs.
 */
export const QUICK_START_FLAGS = ["--liftoff-only"];
