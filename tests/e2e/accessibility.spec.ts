import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { checkInButton, openApp, routes } from "./app";

const wcag22aa = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];

for (const scheme of ["light", "dark"] as const) {
  test(`axe finds no WCAG 2.2 A/AA violations on any route (${scheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme, reducedMotion: "reduce" });
    for (const route of routes) {
      await openApp(page, route.path);
      const results = await new AxeBuilder({ page }).withTags(wcag22aa).analyze();
      expect(results.violations.map((v) => `${route.path}: ${v.id} (${v.nodes.length})`)).toEqual([]);
    }
    // And with things on screen: a saved check-in and its undo button, the list on Mood.
    await openApp(page, "/");
    await checkInButton(page, "Okay").click();
    const afterCheckIn = await new AxeBuilder({ page }).withTags(wcag22aa).analyze();
    expect(afterCheckIn.violations.map((v) => v.id)).toEqual([]);
    await openApp(page, "/mood");
    const moodList = await new AxeBuilder({ page }).withTags(wcag22aa).analyze();
    expect(moodList.violations.map((v) => v.id)).toEqual([]);
  });
}

test("axe finds nothing on the static shell (what shows if the app's code never loads)", async ({ page }) => {
  await page.route("**/*.wasm", (route) => route.abort());
  await page.goto("/");
  await expect(page.locator("#static-shell")).toHaveCount(1);
  const results = await new AxeBuilder({ page }).withTags(wcag22aa).analyze();
  expect(results.violations.map((v) => v.id)).toEqual([]);
});

test("every button and link is at least 44 by 44 pixels", async ({ page }) => {
  for (const route of routes) {
    await openApp(page, route.path);
    const small = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>("main a, main button, main input:not([type=radio]):not([type=checkbox]), main select, main textarea, header a, nav a, .banners button")]
        .filter((el) => el.offsetParent !== null)
        // Links inside a sentence are exempt (WCAG 2.5.8 inline exception).
        .filter((el) => !(el.tagName === "A" && el.closest("p")))
        .map((el) => ({ text: el.textContent?.trim(), box: el.getBoundingClientRect() }))
        .filter(({ box }) => box.width < 44 || box.height < 44)
        .map(({ text, box }) => `${text} ${Math.round(box.width)}x${Math.round(box.height)}`),
    );
    expect(small, route.path).toEqual([]);
  }
});

test("text at 200% still fits the screen", async ({ page }) => {
  for (const route of routes) {
    await openApp(page, route.path);
    await page.evaluate(() => (document.documentElement.style.fontSize = "200%"));
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, route.path).toBeLessThanOrEqual(0);
  }
});
