import { expect, test } from "@playwright/test";
import { checkInButton, moodEntries, openApp, waitForApp, waitForServiceWorker } from "./app";

test("after the first visit the app opens offline, deep links included", async ({ page, context }) => {
  await openApp(page, "/");
  await waitForServiceWorker(page);
  await checkInButton(page, "Good").click();

  await context.setOffline(true);
  await page.reload();
  await waitForApp(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Today");

  await page.goto("/mood");
  await waitForApp(page);
  await expect(moodEntries(page)).toHaveCount(1);

  await page.goto("/help");
  await waitForApp(page);
  await expect(page.getByRole("link", { name: "Call 999" })).toBeVisible();

  // Working offline: a check-in saves as usual.
  await page.goto("/");
  await waitForApp(page);
  await checkInButton(page, "Okay").click();
  await expect(page.getByRole("status").filter({ hasText: "Saved: Okay" })).toBeVisible();
  await context.setOffline(false);
});

test("the service worker precaches exactly this build's files", async ({ page, request }) => {
  await openApp(page, "/");
  await waitForServiceWorker(page);
  const html = await (await request.get("/")).text();
  const cached = await page.evaluate(async () => {
    const names = (await caches.keys()).filter((n) => n.startsWith("waymark-"));
    const cache = await caches.open(names[0]);
    return { names, urls: (await cache.keys()).map((r) => new URL(r.url).pathname).sort() };
  });
  expect(cached.names).toHaveLength(1);
  expect(cached.urls).toContain("/index.html");
  expect(cached.urls).toContain("/manifest.webmanifest");
  // Every hashed file the page loads is in the cache, and nothing else of ours is missing from it.
  // Files (with an extension), not the static navigation's page links.
  const referenced = [...html.matchAll(/(?:href|src)="(\/[^"]+\.[a-z0-9]+)"/g)].map((m) => m[1]);
  const fromInline = [...html.matchAll(/['"](\/waymark-[0-9a-f]{16}(?:_bg\.wasm|\.js))['"]/g)].map((m) => m[1]);
  for (const url of [...referenced, ...fromInline]) expect(cached.urls, url).toContain(url);
  expect(cached.urls.some((u) => u.endsWith(".wasm"))).toBe(true);
});
