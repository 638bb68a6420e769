import { expect, test } from "@playwright/test";
import { openApp, routes, sections, waitForApp } from "./app";

test("every section is reachable from the bottom navigation", async ({ page }) => {
  await openApp(page, "/");
  const nav = page.getByRole("navigation", { name: "Sections" });
  for (const section of [...sections].reverse()) {
    await nav.getByRole("link", { name: section.link, exact: true }).click();
    await expect(page).toHaveURL(section.path);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(section.heading);
    await expect(nav.getByRole("link", { name: section.link, exact: true })).toHaveAttribute("aria-current", "page");
  }
});

test("Help now is one tap from every section and lists real contacts", async ({ page }) => {
  for (const section of sections) {
    await openApp(page, section.path);
    await page.getByRole("banner").getByRole("link", { name: "Help now" }).click();
    await expect(page).toHaveURL("/help");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Help now");
    for (const href of ["tel:999", "tel:111", "tel:116123", "sms:85258?&body=SHOUT"]) {
      await expect(page.locator(`a[href="${href}"]`)).toBeVisible();
    }
    await expect(page.getByRole("link", { name: "Call 116 123" })).toBeVisible();
  }
});

test("a deep link opens its page, and an unknown address says so kindly", async ({ page }) => {
  await openApp(page, "/activity");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Activity");
  await openApp(page, "/no/such/page");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("We could not find that page");
  await page.getByRole("link", { name: "Go to Today" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Today");
});

test("a first visit says what Waymark is and that nothing leaves the device without sync, and only then", async ({ page }) => {
  await openApp(page, "/");
  const intro = page.getByRole("region", { name: "Welcome to Waymark" });
  await expect(intro).toContainText("Waymark is your self-help companion during and after NHS Talking Therapies.");
  await expect(intro).toContainText("Nothing leaves it unless you turn on sync.");
  // Checking in still comes first, and the welcome stays put while the person taps.
  await page.getByRole("group", { name: "How are you feeling right now?" }).getByRole("button", { name: "Okay", exact: true }).click();
  await expect(intro).toBeVisible();
  await page.reload();
  await waitForApp(page);
  await expect(page.getByText("Your last check-in: Okay,")).toBeVisible();
  await expect(intro).toHaveCount(0);
});

test("moving to another page moves focus to its heading", async ({ page }) => {
  await openApp(page, "/");
  await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Plan" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Plan" })).toBeFocused();
});

test("Help-now contacts show without any script (the app's code never loaded)", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/mood");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Help now");
  await expect(page.getByRole("link", { name: "Call 999" })).toHaveAttribute("href", "tel:999");
  await expect(page.getByRole("link", { name: "Text SHOUT to 85258" })).toHaveAttribute("href", "sms:85258?&body=SHOUT");
  await expect(page.getByRole("banner").getByRole("link", { name: "Help now" })).toBeVisible();
  // It never claims to be starting; it says what works without script.
  await expect(page.getByText("Waymark is starting…")).toBeHidden();
  // (Playwright stops scripts without turning scripting off, so the <noscript> words stay unparsed here: check them
  // in the page's source.)
  expect(await page.content()).toContain("Help now works without it: you can contact the people below.");
  await context.close();
});

test("Help-now contacts show when the wasm download fails", async ({ page }) => {
  await page.route("**/*.wasm", (route) => route.abort());
  await page.goto("/");
  await expect(page.getByRole("link", { name: "Call 111, then choose the mental health option (option 2)" })).toBeVisible();
  await expect(page.locator("#static-shell")).toHaveCount(1);
});

test("no request leaves the app's own origin", async ({ page, baseURL }) => {
  const foreign: string[] = [];
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(`${baseURL}/`) && !url.startsWith("data:") && !url.startsWith("blob:")) foreign.push(url);
  });
  for (const route of routes) await openApp(page, route.path);
  await page.reload();
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  expect(foreign).toEqual([]);
});

test("the page fits a phone's width without sideways scrolling", async ({ page }) => {
  for (const route of routes) {
    await openApp(page, route.path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, route.path).toBeLessThanOrEqual(0);
  }
});

test("every route fits at 200 % text without sideways scrolling, and no navigation label breaks mid-word", async ({ page }) => {
  // The browser's own text size setting at 200 % (16 px becomes 32 px), as a person with large text sets it.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Page.setFontSizes", { fontSizes: { standard: 32, fixed: 26 } });
  const screen = page.viewportSize()!.width;
  const wide: string[] = [];
  for (const route of routes) {
    await openApp(page, route.path);
    // Against the screen's width, not innerWidth: a phone zooms out to fit a page that is too wide.
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    if (width > screen) {
      const culprits = await page.evaluate((screen) =>
        [...document.querySelectorAll("main *")]
          .filter((e) => e.getBoundingClientRect().right > screen + 0.5)
          .slice(-3)
          .map((e) => `${e.tagName.toLowerCase()}.${e.className}`),
      screen);
      wide.push(`${route.path}: ${width} (${culprits.join(", ")})`);
    }
  }
  expect(wide).toEqual([]);
  // The skip link stays out of sight until it has focus, however tall large text makes it.
  await expect(page.locator(".skip-link")).not.toBeInViewport();
  // Each label keeps its words whole: no more lines than words.
  const labels = await page.getByRole("navigation", { name: "Sections" }).locator("a span").evaluateAll((spans) =>
    spans.map((span) => {
      const range = document.createRange();
      range.selectNodeContents(span);
      const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
      return { text: span.textContent!, lines, words: span.textContent!.trim().split(/\s+/).length };
    }),
  );
  for (const label of labels) expect(label.lines, label.text).toBeLessThanOrEqual(label.words);
});
