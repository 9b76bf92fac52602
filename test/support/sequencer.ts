import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Seconds each file held its worker in a recent run of the whole suite, as
 * file-durations-reporter.ts writes them (docs/testing.md says how to refresh the file).
 */
const RECORDED = new URL("./file-durations.jsonl", import.meta.url);
/** Longer than any file takes, so an unknown file starts first. */
const UNKNOWN = 1e9;

function recordedSeconds(): Map<string, number> {
  // Without the file (being refreshed), every file is one vitest has not timed.
  const lines = existsSync(RECORDED) ? readFileSync(RECORDED, "utf8").split("\n").filter(Boolean) : [];
  return new Map(
    lines.map((line) => {
      const { file, seconds } = JSON.parse(line) as { file: string; seconds: number };
      return [file, seconds];
    }),
  );
}

/**
 * vitest's order, longest file first, with what a new clone lacks: vitest learns each file's
 * duration from its own earlier runs, and without them orders by file size, which put
 * vector-index.test.ts (53 s, a short file) last but two of 146 on a new machine, running alone
 * at the end while the other worker had nothing left. Files it has not timed take their recorded
 * time; a file neither knows runs first, as vitest runs unknown files.
 */
export default class LongestFirstSequencer extends BaseSequencer {
  private readonly recorded = recordedSeconds();

  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    // Once per file, not once per comparison.
    const timed = new Map(files.map((spec) => [spec, this.ctx.cache.getTestSpecificationResult(spec)]));
    const seconds = (spec: TestSpecification): number => {
      const result = timed.get(spec);
      if (result !== undefined) return result.duration / 1000;
      return this.recorded.get(relative(root, spec.moduleId)) ?? UNKNOWN;
    };
    const failed = (spec: TestSpecification) => (timed.get(spec)?.failed ? 0 : 1);
    return Promise.resolve(
      [...files].sort(
        (a, b) =>
          a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder ||
          // One project's files together, as vitest keeps them.
          a.project.name.localeCompare(b.project.name) ||
          failed(a) - failed(b) ||
          seconds(b) - seconds(a),
      ),
    );
  }
}
