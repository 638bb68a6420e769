// Sync with years of data (a benchmark, not a test): main-thread script time in real Chromium, against the release
// server's sync API.
// Usage: node bench/sync-five-years.mjs http://127.0.0.1:4820/ [--runs N] [--years 5,1] [--count-calls] [--profile]
// against `waymark-server --behind-proxy` (each browser says it comes from an address of its own). See bench/README.md.
//
// For each size of data (five years and one by default, at the rate of bench/seed.mjs's five years), each run is a
// fresh browser with that data in localStorage, measured with the CDP metric "ScriptDuration" (time the renderer's
// main thread spent running script, JavaScript and wasm):
// - turning sync on: from "Set up sync" until the first full sync has finished (every record queued, sealed and
//   pushed, then pulled back), split where the recovery code shows (the first sync starts at about that moment, so
//   the split is rough); turning sync on with no data gives the part that does not depend on data (Argon2id);
// - in another fresh browser holding what the first one stored (records and sync's keys): the first load of Today
//   with sync on, the start-up sync after it (nothing to send or receive), and one check-in and the sync cycle
//   about two seconds later;
// - the first load of Today with the same records and sync off, in a fresh browser too.
// When turning sync on fails (storage full), it says so, with the script time until the failure was shown.
// Reports medians of N runs (default 3). `--count-calls` counts localStorage calls (key, getItem, setItem,
// removeItem, and reads of length) in each step instead of timing it, to find where the crossings come from.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seedEntries } from "./seed.mjs";

const url = new URL(process.argv[2] ?? "http://127.0.0.1:4820/");
const runsFlag = process.argv.indexOf("--runs");
const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 3;
const countCalls = process.argv.includes("--count-calls");
// `--profile`: a CDP CPU profile of the start-up sync and the check-in's cycle; prints the top functions by self time.
const profile = process.argv.includes("--profile");
const yearsFlag = process.argv.indexOf("--years");
// Five years, and one: the first is the goal, the second shows the costs where sync's own keys still fit in storage.
const sizes = (yearsFlag > 0 ? process.argv[yearsFlag + 1] : "5,1").split(",").map(Number);
const args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
/** `years` of data at the rate of bench/seed.mjs's five years. */
const dataFor = (years) =>
  seedEntries({ years, checkIns: 1100 * years, sessions: 600 * years, pairs: 24 * years, goals: Math.max(4, 4 * years) });
const passphrase = "purple kettle sunday garden";

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function scriptMs(cdp) {
  const { metrics } = await cdp.send("Performance.getMetrics");
  return metrics.find((m) => m.name === "ScriptDuration").value * 1000;
}

/** Wraps localStorage's methods to count calls (only with --count-calls: the wrapping itself costs time). */
function counting() {
  const calls = { key: 0, getItem: 0, setItem: 0, removeItem: 0, length: 0 };
  window.__calls = calls;
  for (const name of ["key", "getItem", "setItem", "removeItem"]) {
    const original = Storage.prototype[name];
    Storage.prototype[name] = function (...a) {
      calls[name]++;
      return original.apply(this, a);
    };
  }
  const length = Object.getOwnPropertyDescriptor(Storage.prototype, "length");
  Object.defineProperty(Storage.prototype, "length", {
    get() {
      calls.length++;
      return length.get.call(this);
    },
  });
}

/** What a step cost: script time, or localStorage calls with --count-calls. */
async function cost(page, cdp) {
  if (countCalls) return page.evaluate(() => ({ ...window.__calls }));
  return scriptMs(cdp);
}

function difference(after, before) {
  if (typeof after === "number") return after - before;
  return Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]]));
}

/** The membership's last full sync (one getItem: polling it costs next to nothing). */
function lastSynced(page) {
  return page.evaluate(() => JSON.parse(localStorage.getItem("waymark.sync.membership") ?? "null")?.last_synced ?? null);
}

async function waitForSyncAfter(page, before, timeoutMs = 300_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const at = await lastSynced(page);
    if (at != null && (before == null || at > before)) return at;
    const problem = await page.locator(".sync-problem, [role=alert]").allTextContents().catch(() => []);
    if (problem.some((t) => t.trim())) throw new Error(`sync problem: ${problem.join(" / ")}`);
    await page.waitForTimeout(100);
  }
  throw new Error("no full sync within the time allowed");
}

let runCount = 0;

/** A fresh browser. Each one gets its own client address (the server runs `--behind-proxy`), so the per-address
 * limit on creating spaces (5, then one every 2 minutes) does not slow the runs down. */
async function launch() {
  runCount++;
  const profile = mkdtempSync(join(tmpdir(), "waymark-bench-"));
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: [...args, `--user-data-dir=${profile}`] }).catch(() =>
    chromium.launch({ executablePath: "/usr/bin/chromium", args }),
  );
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, serviceWorkers: "block",
    extraHTTPHeaders: { "X-Forwarded-For": `198.51.100.${runCount % 250}` },
  });
  if (countCalls) await context.addInitScript(counting);
  return {
    context,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

async function seed(context, data) {
  const seeder = await context.newPage();
  await seeder.goto(url.href);
  await seeder.waitForSelector("#static-shell", { state: "detached" });
  const failed = await seeder.evaluate((entries) => {
    for (const [k, v] of entries) {
      try {
        localStorage.setItem(k, v);
      } catch (error) {
        return `${error.name} at ${k}`;
      }
    }
    return null;
  }, data);
  if (failed) throw new Error(`seeding did not fit: ${failed}`);
  await seeder.waitForTimeout(1000);
  await seeder.close();
}

async function measuredPage(context) {
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error(`page error: ${error}`));
  const cdp = await context.newCDPSession(page);
  await cdp.send("Performance.enable");
  return { page, cdp };
}

/** Loads Today and waits until the app has drawn it; returns what that cost. */
async function loadToday(page, cdp) {
  await page.goto(url.href);
  await page.waitForSelector("#static-shell", { state: "detached" });
  await page.getByRole("heading", { level: 1, name: "Today" }).waitFor();
  return cost(page, cdp);
}

/** One fresh browser with `data`: turn sync on, load Today with sync on, one check-in synced. */
async function syncRun(data, steady = true) {
  const browser = await launch();
  try {
    if (data.length) await seed(browser.context, data);
    const result = {};
    {
      const { page, cdp } = await measuredPage(browser.context);
      await page.goto(new URL("/data/sync", url).href);
      await page.waitForSelector("#static-shell", { state: "detached" });
      await page.getByRole("button", { name: "Set up sync" }).click();
      await page.getByLabel("A name for this device").fill("Bench phone");
      await page.getByLabel("Choose a passphrase").fill(passphrase);
      await page.getByLabel("Type the passphrase again").fill(passphrase);
      const start = await cost(page, cdp);
      const wall = Date.now();
      await page.getByRole("button", { name: "Set up sync" }).click();
      const recovery = page.getByRole("heading", { name: "Sync is on. Write down your recovery code" });
      await recovery.or(page.getByRole("alert")).first().waitFor({ timeout: 300_000 });
      const shown = await cost(page, cdp);
      if (!(await recovery.isVisible())) {
        // Turning sync on failed (storage full, most likely): what that cost, and why.
        result.failed = (await page.getByRole("alert").allTextContents()).join(" ").trim();
        result.setUp = difference(shown, start);
        await page.close();
        return result;
      }
      await waitForSyncAfter(page, null);
      const synced = await cost(page, cdp);
      result.setUp = difference(shown, start);
      result.firstUpload = difference(synced, shown);
      result.turnOn = difference(synced, start);
      result.turnOnWall = Date.now() - wall;
      // Everything stored now (records and sync's keys), for a fresh browser.
      // (Not the lease: that tab is gone.)
      result.stored = steady
        ? await page.evaluate(() => Object.entries(localStorage).filter(([k]) => k !== "waymark.sync.lease"))
        : null;
      await page.close();
    }
    return result;
  } finally {
    await browser.close();
  }
}

/** A fresh browser with `stored` (records and sync's keys): the first load of Today with sync on, the start-up sync
 * after it, and one check-in and its sync. */
async function steadyRun(stored) {
  const browser = await launch();
  try {
    await seed(browser.context, stored);
    const result = {};
    {
      const { page, cdp } = await measuredPage(browser.context);
      result.loadOn = await loadToday(page, cdp);
      const before = await lastSynced(page);
      // The start-up sync (about 1.5 s after start): nothing to send or receive.
      if (profile) {
        await cdp.send("Profiler.enable");
        await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
        await cdp.send("Profiler.start");
      }
      const loaded = await cost(page, cdp);
      const started = await waitForSyncAfter(page, before);
      result.startSync = difference(await cost(page, cdp), loaded);
      // Nothing else scheduled for a while: one check-in, then its sync.
      await page.waitForTimeout(500);
      const t0 = await cost(page, cdp);
      await page.getByRole("button", { name: "Good", exact: true }).click();
      await page.getByRole("status").filter({ hasText: "Saved: Good" }).waitFor();
      const saved = await cost(page, cdp);
      await waitForSyncAfter(page, started);
      const cycled = await cost(page, cdp);
      if (profile) printProfile((await cdp.send("Profiler.stop")).profile);
      result.save = difference(saved, t0);
      result.cycle = difference(cycled, saved);
      result.storedChars = await page.evaluate(() => {
        let chars = 0;
        for (const k of Object.keys(localStorage)) chars += k.length + localStorage.getItem(k).length;
        return chars;
      });
      await page.close();
    }
    return result;
  } finally {
    await browser.close();
  }
}

/** The functions with the most self time in a CPU profile (wasm functions show by name only if the build keeps
 * them). */
function printProfile(profile) {
  const self = new Map();
  const dt = new Map(profile.nodes.map((n) => [n.id, 0]));
  for (let i = 0; i < profile.samples.length; i++) dt.set(profile.samples[i], dt.get(profile.samples[i]) + (profile.timeDeltas[i] ?? 0));
  let total = 0;
  for (const node of profile.nodes) {
    const name = `${node.callFrame.functionName || "(anonymous)"} ${node.callFrame.url.split("/").pop()}`;
    if (["(idle)", "(program)", "(garbage collector)"].includes(node.callFrame.functionName)) continue;
    self.set(name, (self.get(name) ?? 0) + dt.get(node.id) / 1000);
    total += dt.get(node.id) / 1000;
  }
  console.error(`CPU profile (start-up sync and one check-in's cycle): ${total.toFixed(1)} ms in script`);
  for (const [name, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.error(`  ${ms.toFixed(1).padStart(7)} ms  ${name}`);
}

/** One fresh browser with `data` and sync off: the first load of Today. */
async function offRun(data) {
  const browser = await launch();
  try {
    await seed(browser.context, data);
    const { page, cdp } = await measuredPage(browser.context);
    return { loadOff: await loadToday(page, cdp) };
  } finally {
    await browser.close();
  }
}

console.log(`Waymark sync benchmark: ${url.href}, ${runs} runs, medians${countCalls ? " (counting localStorage calls)" : ""}`);
const report = (name, values) => {
  if (typeof values[0] === "number") {
    const spread = values.length > 1 ? `  (runs: ${values.map((v) => v.toFixed(0)).join(", ")})` : "";
    console.log(`${name.padEnd(62)} ${`${median(values).toFixed(1)} ms`.padStart(10)}${spread}`);
  } else if (values[0] != null) {
    const calls = Object.keys(values[0]).map((k) => `${k} ${median(values.map((v) => v[k]))}`);
    console.log(`${name.padEnd(62)} ${calls.join(", ")}`);
  }
};
const empty = [];
for (let i = 0; i < runs; i++) empty.push(await syncRun([], false));
report("turn sync on with no data: until the recovery code shows", empty.map((r) => r.setUp));
report("  then the first sync", empty.map((r) => r.firstUpload));
for (const years of sizes) {
  const entries = dataFor(years);
  console.log(`\n${years} year${years === 1 ? "" : "s"} of data: ${entries.length} records (bench/seed.mjs's rate)`);
  const rows = { seeded: [], off: [] };
  for (let i = 0; i < runs; i++) {
    rows.off.push(await offRun(entries));
    rows.seeded.push(await syncRun(entries));
    const { stored, ...shown } = rows.seeded[i];
    process.stderr.write(`${years} years, run ${i + 1}: ${JSON.stringify(shown)}\n`);
  }
  const on = [];
  for (const [i, row] of rows.seeded.entries()) {
    if (row.failed) continue;
    const steady = await steadyRun(row.stored);
    delete row.stored;
    on.push({ ...row, ...steady });
    process.stderr.write(`${years} years, run ${i + 1}, sync on: ${JSON.stringify(steady)}\n`);
  }
  const failed = rows.seeded.filter((r) => r.failed);
  if (failed.length) {
    console.log(`turning sync on FAILED in ${failed.length} of ${runs} runs: "${failed[0].failed}"`);
    report("  script time until the failure was shown", failed.map((r) => r.setUp));
  }
  report("first load of Today, sync off", rows.off.map((r) => r.loadOff));
  if (!on.length) continue;
  const lines = [
    ["turn sync on: until the recovery code shows", "setUp"],
    ["  then the first full upload (and pulling it back)", "firstUpload"],
    ["  in all", "turnOn"],
    ["  (wall time, in all)", "turnOnWall"],
    ["first load of Today, sync on", "loadOn"],
    ["start-up sync after that load (nothing to do)", "startSync"],
    ["save one check-in, sync on", "save"],
    ["the sync cycle for that one check-in", "cycle"],
  ];
  for (const [name, key] of lines) report(name, on.map((r) => r[key]));
  const chars = median(on.map((r) => r.storedChars));
  console.log(`localStorage used with sync on: ${chars.toLocaleString("en-GB")} characters (${(chars / entries.length).toFixed(0)} a record)`);
}
