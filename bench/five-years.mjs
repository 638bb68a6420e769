// Five-years benchmark (not a test): scripting time in real Chromium with five years of mood and activity data.
// Usage: node bench/five-years.mjs http://127.0.0.1:4820/ [--runs N]
// Reports medians of N runs (default 5) of the CDP "ScriptDuration" metric (time the renderer's main thread
// spent running script, JavaScript and wasm) for: the first load of Today with no data and with five years of data,
// saving a check-in, opening Mood from the navigation, switching the chart range, opening Activity and logging
// a session.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { backupFile, seedEntries } from "./seed.mjs";

const url = new URL(process.argv[2] ?? "http://127.0.0.1:4820/");
const runsFlag = process.argv.indexOf("--runs");
const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 5;
const args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const entries = seedEntries();
const moodOnly = seedEntries({ sessions: 0, goals: 0 });
const checkIns = entries.filter(([k]) => k.includes("mood_check_in")).length;
const pairs = entries.filter(([k]) => k.includes("questionnaire")).length;
const sessions = entries.filter(([k]) => k.includes("activity_session")).length;
const goals = entries.filter(([k]) => k.includes("activity_goal")).length;

const backupPath = join(tmpdir(), "waymark-five-year-backup.json");
writeFileSync(backupPath, backupFile(entries));

/** Imports the five-year backup into an empty app: wall time from choosing the file to the preview, and from
 * "Add to my data" to the report. */
async function importRun() {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args });
  try {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, serviceWorkers: "block" });
    const page = await context.newPage();
    await page.goto(new URL("/data", url).href);
    await page.waitForSelector("#static-shell", { state: "detached" });
    let start = Date.now();
    await page.getByLabel("Choose a Waymark backup file").setInputFiles(backupPath);
    await page.getByRole("button", { name: "Add to my data" }).waitFor();
    const check = Date.now() - start;
    start = Date.now();
    await page.getByRole("button", { name: "Add to my data" }).click();
    await page.locator(".import-step").filter({ hasText: /added/i }).waitFor({ timeout: 60_000 });
    const merge = Date.now() - start;
    return { check, merge, total: check + merge };
  } finally {
    await browser.close();
  }
}

let storedChars = 0;
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

/** One fresh browser: seed `data` (or nothing), load Today, then (with data) time the interactions. */
async function oneRun(data, interactions = true) {
  const seed = data.length > 0;
  const profile = mkdtempSync(join(tmpdir(), "waymark-bench-"));
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: [...args, `--user-data-dir=${profile}`] }).catch(async () =>
    chromium.launch({ executablePath: "/usr/bin/chromium", args }),
  );
  try {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, serviceWorkers: "block" });
    // Seed in one page, then measure in a fresh page: the seeding script's time must not count.
    const seeder = await context.newPage();
    await seeder.goto(url.href);
    await seeder.waitForSelector("#static-shell", { state: "detached" });
    if (seed) {
      const stored = await seeder.evaluate((entries) => {
        let chars = 0;
        for (const [k, v] of entries) {
          try {
            localStorage.setItem(k, v);
            chars += k.length + v.length;
          } catch (error) {
            return { failed: `${error.name} after ${chars} characters`, chars };
          }
        }
        return { chars };
      }, data);
      if (stored.failed) throw new Error(`Seeding did not fit in localStorage: ${stored.failed}`);
      storedChars = stored.chars;
      // Give the browser time to commit the writes before the tab closes, then check a fresh tab sees them all.
      await seeder.waitForTimeout(1500);
    }
    await seeder.close();
    const check = await context.newPage();
    await check.route("**/*.wasm", (r) => r.abort());
    await check.goto(new URL("/help", url).href);
    const count = await check.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("waymark.rec.")).length);
    await check.close();
    if (count < data.length) throw new Error(`Only ${count} of ${data.length} seeded records reached storage`);

    const page = await context.newPage();
    page.on("pageerror", (error) => console.error(`page error: ${error}`));
    // When the app replaces the static shell, note the time since navigation started; then when Today shows the
    // latest check-in (the check-ins load just after Today is first drawn).
    await page.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (window.__appDrawnAt === undefined && !document.getElementById("static-shell") && document.querySelector("main h1")) {
          window.__appDrawnAt = performance.now();
        }
        if (document.querySelector(".last-check-in")?.textContent.trim()) {
          window.__latestShownAt = performance.now();
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true, characterData: true });
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send("Performance.enable");
    // First load of Today in a fresh page: script time from navigation until the app has drawn itself.
    await page.goto(url.href);
    await page.waitForSelector("#static-shell", { state: "detached" });
    await page.getByRole("heading", { level: 1, name: "Today" }).waitFor();
    const load = await scriptSeconds(cdp);
    const loadWall = await page.evaluate(() => window.__appDrawnAt);
    if (seed) await page.locator(".last-check-in").filter({ hasText: "Your last check-in" }).waitFor();
    const latestShown = await page.evaluate(() => window.__latestShownAt);
    // The static shell's first paint, which reading years of data at start-up must not hold back.
    const paint = await page.evaluate(() => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? NaN);

    const result = { load: load * 1000, loadWall, latestShown, paint };
    if (seed && interactions) {
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
      result.openActivity = (await measure(cdp, async () => {
        await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Activity" }).click();
        await page.getByRole("heading", { level: 1, name: "Activity" }).waitFor();
        await page.locator("article.goal").first().waitFor();
      })) * 1000;
      result.logSession = (await measure(cdp, async () => {
        await page.getByRole("button", { name: "Log it" }).click();
        await page.getByRole("status").filter({ hasText: "Logged:" }).waitFor();
      })) * 1000;
    }
    return result;
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

console.log(`Waymark five-years benchmark: ${url.href}, ${runs} runs, medians`);
console.log(`Data: ${checkIns} check-ins over five years (notes, tags, 2% deleted), ${pairs} questionnaire pairs,`);
console.log(`      ${sessions} activity sessions, ${goals} goals (3 active)`);
const empty = [];
const moodSeeded = [];
const seeded = [];
for (let i = 0; i < runs; i++) {
  empty.push(await oneRun([]));
  moodSeeded.push(await oneRun(moodOnly, false));
  seeded.push(await oneRun(entries));
}
const imports = [];
for (let i = 0; i < runs; i++) imports.push(await importRun());
const m = (rows, key) => median(rows.map((r) => r[key]));
const lines = [
  ["first load, no data (navigation to Today drawn)", m(empty, "loadWall"), null],
  ["first load, five years of mood data (same)", m(moodSeeded, "loadWall"), null],
  ["  difference (issue 3 budget)", m(moodSeeded, "loadWall") - m(empty, "loadWall"), 100],
  ["five years of mood data: Today shows the latest check-in", m(moodSeeded, "latestShown"), null],
  ["  difference from the first load with no data", m(moodSeeded, "latestShown") - m(empty, "loadWall"), null],
  ["first load, five years of mood and activity (same)", m(seeded, "loadWall"), null],
  ["  difference", m(seeded, "loadWall") - m(empty, "loadWall"), null],
  ["first contentful paint (static shell), no data", m(empty, "paint"), null],
  ["first contentful paint, five years of mood data", m(moodSeeded, "paint"), null],
  ["first load scripting (DevTools ScriptDuration), no data", m(empty, "load"), null],
  ["first load scripting, mood and activity", m(seeded, "load"), null],
  ["save a check-in (scripting)", m(seeded, "save"), 16],
  ["open Mood from the navigation (scripting)", m(seeded, "openMood"), 100],
  ["switch the chart range to Year (scripting)", m(seeded, "switchRange"), null],
  ["open Today from the navigation (scripting)", m(seeded, "openToday"), null],
  ["open Activity from the navigation (scripting)", m(seeded, "openActivity"), 100],
  ["log an activity session (scripting)", m(seeded, "logSession"), 16],
  ["import a five-year backup: check the file (wall)", m(imports, "check"), null],
  ["import a five-year backup: merge into empty (wall)", m(imports, "merge"), null],
  ["import a five-year backup: in all (wall)", m(imports, "total"), 1000],
];
console.log(`localStorage used by five years of mood and activity: ${storedChars.toLocaleString("en-GB")} characters`);
let missed = 0;
for (const [name, value, budget] of lines) {
  const verdict = budget == null ? "" : value <= budget ? `  PASS (budget ${budget} ms)` : `  FAIL (budget ${budget} ms)`;
  if (budget != null && value > budget) missed++;
  console.log(`${name.padEnd(56)} ${ms(value).padStart(10)}${verdict}`);
}
console.log(missed ? `BUDGETS: ${missed} missed` : "BUDGETS: all met");
