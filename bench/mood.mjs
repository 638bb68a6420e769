// Mood benchmark (not a test): scripting time in real Chromium with five years of data.
// Usage: node bench/mood.mjs http://127.0.0.1:4820/ [--runs N]
// Reports medians of N runs (default 5) of the CDP "ScriptDuration" metric (time the renderer's main thread
// spent running script, JavaScript and wasm) for: the first load of Today with no data and with five years of data,
// saving a check-in, opening Mood from the navigation, and switching the chart range.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seedEntries } from "./seed.mjs";

const url = new URL(process.argv[2] ?? "http://127.0.0.1:4820/");
const runsFlag = process.argv.indexOf("--runs");
const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 5;
const args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const entries = seedEntries();
const checkIns = entries.filter(([k]) => k.includes("mood_check_in")).length;
const pairs = entries.filter(([k]) => k.includes("questionnaire")).length;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(1)} ms`;

async function scriptSeconds(cdp) {
  const { metrics } = await cdp.send("Performance.getMetrics");
  return metrics.find((m) => m.name === "ScriptDuration").value;
}

/** Scripting time spent by `action`, waiting for `settled` after it. */
async function measure(cdp, action) {
  const before = await scriptSeconds(cdp);
  await action();
  return (await scriptSeconds(cdp)) - before;
}

async function oneRun(seed) {
  const profile = mkdtempSync(join(tmpdir(), "waymark-bench-"));
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: [...args, `--user-data-dir=${profile}`] }).catch(async () =>
    chromium.launch({ executablePath: "/usr/bin/chromium", args }),
  );
  try {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, serviceWorkers: "block" });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Performance.enable");
    await page.goto(url.href);
    await page.waitForSelector("#static-shell", { state: "detached" });
    if (seed) {
      await page.evaluate((entries) => {
        for (const [k, v] of entries) localStorage.setItem(k, v);
      }, entries);
    }
    // First load of Today: a fresh document, script time from navigation until the app has drawn itself.
    const appeared = () => page.waitForSelector("#static-shell", { state: "detached" }).then(() => page.getByRole("heading", { level: 1, name: "Today" }).waitFor());
    await cdp.send("Performance.disable");
    await cdp.send("Performance.enable");
    const loadStart = Date.now();
    await page.reload();
    await appeared();
    const load = await scriptSeconds(cdp);
    const loadWall = Date.now() - loadStart;

    const result = { load: load * 1000, loadWall };
    if (seed) {
      result.save = (await measure(cdp, async () => {
        await page.getByRole("button", { name: "Good", exact: true }).click();
        await page.getByRole("status").filter({ hasText: "Saved: Good" }).waitFor();
      })) * 1000;
      result.openMood = (await measure(cdp, async () => {
        await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Mood" }).click();
        await page.getByRole("heading", { level: 1, name: "Mood" }).waitFor();
        await page.locator(".history-day").first().waitFor();
      })) * 1000;
      result.switchRange = (await measure(cdp, async () => {
        await page.getByRole("button", { name: "Year", exact: true }).click();
        await page.getByRole("img", { name: /over the last year/ }).waitFor();
      })) * 1000;
      result.openToday = (await measure(cdp, async () => {
        await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Today" }).click();
        await page.getByRole("heading", { level: 1, name: "Today" }).waitFor();
      })) * 1000;
    }
    return result;
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

console.log(`Waymark mood benchmark: ${url.href}, ${runs} runs, medians`);
console.log(`Data: ${checkIns} check-ins over five years (notes, tags, 2% deleted), ${pairs} questionnaire pairs`);
const empty = [];
const seeded = [];
for (let i = 0; i < runs; i++) {
  empty.push(await oneRun(false));
  seeded.push(await oneRun(true));
}
const m = (rows, key) => median(rows.map((r) => r[key]));
const lines = [
  ["first load, no data (scripting)", m(empty, "load"), null],
  ["first load, five years (scripting)", m(seeded, "load"), null],
  ["  difference", m(seeded, "load") - m(empty, "load"), 100],
  ["first load, no data (wall, to Today drawn)", m(empty, "loadWall"), null],
  ["first load, five years (wall, to Today drawn)", m(seeded, "loadWall"), null],
  ["save a check-in (scripting)", m(seeded, "save"), 16],
  ["open Mood from the navigation (scripting)", m(seeded, "openMood"), 100],
  ["switch the chart range to Year (scripting)", m(seeded, "switchRange"), null],
  ["open Today from the navigation (scripting)", m(seeded, "openToday"), null],
];
let missed = 0;
for (const [name, value, budget] of lines) {
  const verdict = budget == null ? "" : value <= budget ? `  PASS (budget ${budget} ms)` : `  FAIL (budget ${budget} ms)`;
  if (budget != null && value > budget) missed++;
  console.log(`${name.padEnd(48)} ${ms(value).padStart(10)}${verdict}`);
}
console.log(missed ? `BUDGETS: ${missed} missed` : "BUDGETS: all met");
