// Builds the web console (console/) into gen/console: app.js, app.css and index.html, which the
// server serves at / (src/server/console.ts). Part of `npm run generate`; CI fails when stale.
import { copyFile, mkdir, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../", import.meta.url));
const out = `${root}gen/console`;

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  absWorkingDir: root,
  // main.tsx imports styles.css, which esbuild writes beside app.js as app.css.
  entryPoints: { app: "console/src/main.tsx" },
  outdir: out,
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  jsx: "automatic",
  jsxImportSource: "preact",
  tsconfig: "console/tsconfig.json",
  legalComments: "none",
  logLevel: "warning",
});
await copyFile(`${root}console/index.html`, `${out}/index.html`);
