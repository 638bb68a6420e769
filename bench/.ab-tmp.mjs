import { chromium } from "playwright-core";
import { seedEntries } from "./seed.mjs";
const urls = process.argv.slice(2, -1);
const runs = Number(process.argv.at(-1));
const args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const data = seedEntries({ sessions: 0, goals: 0 });
async function one(url, seed) {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args });
  try {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, serviceWorkers: "block" });
    const seeder = await context.newPage();
    await seeder.goto(url);
    await seeder.waitForSelector("#static-shell", { state: "detached" });
    if (seed) { await seeder.evaluate((entries) => { for (const [k, v] of entries) localStorage.setItem(k, v); }, data); await seeder.waitForTimeout(1500); }
    await seeder.close();
    const page = await context.newPage();
    await page.addInitScript(() => {
      new MutationObserver((_, o) => { if (!document.getElementById("static-shell") && document.querySelector("main h1")) { window.__drawn = performance.now(); o.disconnect(); } }).observe(document, { childList: true, subtree: true });
    });
    await page.goto(url);
    await page.getByRole("heading", { level: 1, name: "Today" }).waitFor();
    const fcp = await page.evaluate(() => performance.getEntriesByType("paint").find((p) => p.name === "first-contentful-paint")?.startTime);
    return { drawn: await page.evaluate(() => window.__drawn), fcp };
  } finally { await browser.close(); }
}
const res = Object.fromEntries(urls.map((u) => [u, { empty: [], data: [], fcpData: [] }]));
for (let i = 0; i < runs; i++) for (const u of urls) {
  res[u].empty.push((await one(u, false)).drawn);
  const d = await one(u, true); res[u].data.push(d.drawn); res[u].fcpData.push(d.fcp);
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const u of urls) console.log(u, "empty", med(res[u].empty).toFixed(0), "data", med(res[u].data).toFixed(0), "diff", (med(res[u].data) - med(res[u].empty)).toFixed(0), "fcp(data)", med(res[u].fcpData).toFixed(0));
