import { appendFileSync } from "node:fs";
import { relative } from "node:path";
import type { Reporter, TestModule } from "vitest/node";

interface FileDuration {
  file: string;
  project: string;
  /** Importing it, its hooks and its tests: the JSON reporter's times cover the tests alone. */
  seconds: number;
  worker: number;
}

/**
 * With ENGRAM_FILE_DURATIONS=<file>, appends one JSON line per test file saying how long it held
 * its worker, and prints the slowest ten at the end: where the suite's time goes.
 */
export default class FileDurationsReporter implements Reporter {
  private readonly out = process.env.ENGRAM_FILE_DURATIONS;
  private readonly files: FileDuration[] = [];

  onTestModuleEnd(module: TestModule): void {
    if (!this.out) return;
    const d = module.diagnostic();
    const line: FileDuration = {
      file: relative(process.cwd(), module.moduleId),
      project: module.project.name,
      seconds: Math.round(d.prepareDuration + d.setupDuration + d.collectDuration + d.duration) / 1000,
      worker: d.concurrencyId,
    };
    this.files.push(line);
    appendFileSync(this.out, `${JSON.stringify(line)}\n`);
  }

  onTestRunEnd(): void {
    if (!this.out || this.files.length === 0) return;
    const slowest = [...this.files].sort((a, b) => b.seconds - a.seconds).slice(0, 10);
    const total = this.files.reduce((sum, f) => sum + f.seconds, 0);
    console.log(`\nfile durations (${this.files.length} files, ${total.toFixed(0)} s in all), the slowest:`);
    for (const f of slowest) console.log(`  ${f.seconds.toFixed(1).padStart(6)} s  ${f.project.padEnd(11)} ${f.file}`);
  }
}
