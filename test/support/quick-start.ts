/**
 * V8 flags for the processes tests start: vitest's workers (but the engine tier's) and every
 * spawned server and CLI command. Most of their code runs for seconds, too short for V8's
 * optimizing compilers to repay their work:
 * - `--liftoff-only`: PGlite is a large WebAssembly module whose hot functions V8 recompiles with
 *   TurboFan in the background, and stopping the thread waits for that work. A PGlite thread's
 *   start and stop took 0.5 CPU-s instead of 1.0, npm test 520 CPU-s instead of 574.
 * - `--maglev --max-opt=2`: JavaScript is optimized by Maglev, which compiles several times
 *   faster than TurboFan, and never by TurboFan. The e2e tier took 205-211 CPU-s instead of
 *   217-247 (two interleaved pairs), the service tier 46-47 instead of 48-54.
 * The engine tier keeps V8's defaults: its 10,000-memory files run long enough that optimized
 * code pays for itself (vector-index.test.ts: 53-60 s with Liftoff only, 46-48 s without; it and
 * volume.test.ts 71 CPU-s with Maglev as the top tier, 57 with TurboFan). Decision 0027. The
 * flags change how fast, never what runs.
 */
export const QUICK_START_FLAGS = ["--liftoff-only", "--maglev", "--max-opt=2"];
