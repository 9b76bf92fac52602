#!/usr/bin/env node
// Runs the compiled server, dist/engram.js (scripts/build.js; `npm ci` builds it through
// `prepare`), rebuilt first when a source has changed since, so a working copy never runs stale code.
import module from "node:module";
import { buildIfStale } from "../scripts/build.js";

// glibc gives each thread that allocates a malloc arena of its own and keeps what it freed: with
// the models' and the database's threads, a server idles 150-250 MB higher after a burst of long
// texts than with two arenas, and no slower (README, Sizing). The setting is read when a process
// starts, so the server replaces itself once (same pid) with it; MALLOC_ARENA_MAX in the
// environment, whatever its value, is kept as it is.
if (
  process.platform === "linux" &&
  process.env.MALLOC_ARENA_MAX === undefined &&
  typeof process.execve === "function" &&
  process.argv.slice(2).includes("serve")
) {
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    ...process.env,
    MALLOC_ARENA_MAX: "2",
  });
}

// V8's compiled code for every module loaded from here on, kept on disk (checked against each
// file's contents): the next start skips compiling the dependencies, a good part of start-up.
module.enableCompileCache?.();
// Stack traces name the TypeScript sources, through dist/'s source maps (not the dependencies'
// maps, which would cost start-up time to read).
if (module.setSourceMapsSupport) module.setSourceMapsSupport(true);
else process.setSourceMapsEnabled(true);
await buildIfStale();
await import("../dist/engram.js");
