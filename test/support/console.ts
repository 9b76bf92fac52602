import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { WordHashEmbedder } from "./embedders.js";
import { repoRoot } from "./engram-process.js";
import { startTestServer, type TestServer } from "./server.js";

const CHROMIUM = "/usr/bin/chromium";
const SHOTS = join(process.env.ENGRAM_ARTIFACTS ?? join(repoRoot, "artifacts"), "console");

/** A live server (searching with the word-hash embedder) and the Chromium that drives its console. */
export interface ConsoleHarness {
  server: TestServer;
  browser: Browser;
  close(): Promise<void>;
}

export async function startConsoleHarness(): Promise<ConsoleHarness> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup-chromium.sh`);
  await mkdir(SHOTS, { recursive: true });
  const server = await startTestServer({}, { embedder: new WordHashEmbedder() });
  const browser = await chromium
    .launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"],
    })
    .catch(async (err: unknown) => {
      await server.close();
      throw err;
    });
  return {
    server,
    browser,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

/** A fresh browser context on the console, collecting every console error and page error. */
export async function openConsole(
  { server, browser }: ConsoleHarness,
  width = 1280,
  height = 800,
): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(`${server.baseUrl}/`);
  return { page, errors };
}

export async function logIn(page: Page, key: string): Promise<void> {
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("navigation", { name: "Sections" }).waitFor();
}

/** A full-page screenshot into artifacts/console (or $ENGRAM_ARTIFACTS/console). */
export const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
