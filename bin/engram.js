#!/usr/bin/env node
// Runs the compiled server, dist/engram.js (scripts/build.js; `npm ci` builds it through
// `prepare`), rebuilt first when a source has changed since, so a working copy never runs stale code.
import module from "node:module";
import { buildIfStale } from "../scripts/build.js";

// V8's compiled code for every module loaded from here on, kept on disk (checked against each
// file's contents): the next start skips compiling the dependencies, a good part of start-up.
module.enableCompileCache?.();
// Stack traces name the TypeScript sources, through dist/'s source maps (not the dependencies'
// maps, which would cost start-up time to read).
if (module.setSourceMapsSupport) module.setSourceMapsSupport(true);
else process.setSourceMapsEnabled(true);
await buildIfStale();
await import("../dist/engram.js");
