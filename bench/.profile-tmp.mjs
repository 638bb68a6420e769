import { chromium } from "playwright-core";
import { seedEntries } from "./seed.mjs";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
const url = process.argv[2];
const withData = process.argv[3] !== "empty";
const args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const profile = mkdtempSync(join(tmpdir(), "wm-prof-"));
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args });
const context = await browser.newContext({ viewport: { width: 390, height: 844 }, serviceWorkers: "block" });
const seeder = await context.newPage();
await seeder.goto(url);
await seeder.waitForSelector("#static-shell", { state: "detached" });
if (withData) {
  await seeder.evaluate((entries) => { for (const [k, v] of entries) localStorage.setItem(k, v); }, seedEntries({ sessions: 0, goals: 0 }));
  await seeder.waitForTimeout(1500);
}
await seeder.close();
const page = await context.newPage();
await page.addInitScript(() => {
  new MutationObserver((_, o) => { if (!document.getElementById("static-shell") && document.querySelector("main h1")) { window.__drawn = performance.now(); o.disconnect(); } }).observe(document, { childList: true, subtree: true });
});
const cdp = await context.newCDPSession(page);
await cdp.send("Profiler.enable");
await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
await cdp.send("Profiler.start");
await page.goto(url); 
await page.getByRole("heading", { level: 1, name: "Today" }).waitFor();
const { profile: p } = await cdp.send("Profiler.stop");
const drawn = await page.evaluate(() => window.__drawn);
const timing = await page.evaluate(() => JSON.stringify(performance.getEntriesByType("navigation")[0]));
writeFileSync(`/tmp/prof/${withData ? "data" : "empty"}.cpuprofile`, JSON.stringify(p));
// self time per function
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = p.timeDeltas;
for (let i = 0; i < p.samples.length; i++) {
  const n = byId.get(p.samples[i]);
  const name = n.callFrame.functionName || `(${n.callFrame.url.split("/").pop()})`;
  self.set(name, (self.get(name) ?? 0) + (dt[i + 1] ?? 0) / 1000);
}
// inclusive time per function
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const incl = new Map();
for (let i = 0; i < p.samples.length; i++) {
  const seen = new Set();
  let id = p.samples[i];
  while (id != null) { const n = byId.get(id); const name = n.callFrame.functionName || "(anon)"; if (!seen.has(name)) { seen.add(name); incl.set(name, (incl.get(name) ?? 0) + (dt[i + 1] ?? 0) / 1000); } id = parent.get(id); }
}
console.log("drawn at", drawn.toFixed(1), "ms");
const nav = JSON.parse(timing); console.log("responseEnd", nav.responseEnd.toFixed(1), "domInteractive", nav.domInteractive.toFixed(1), "load", nav.loadEventEnd.toFixed(1));
console.log("--- self top 30");
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(v.toFixed(1).padStart(8), k.slice(0, 140));
console.log("--- inclusive top 40");
for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(v.toFixed(1).padStart(8), k.slice(0, 140));
await browser.close();
