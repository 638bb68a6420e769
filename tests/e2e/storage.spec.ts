import { expect, test, type Page } from "@playwright/test";
import { checkInButton, moodEntries, openApp, storeCheckIns, waitForApp } from "./app";

test("a check-in is saved with one tap and survives a reload", async ({ page }) => {
  await openApp(page, "/");
  await checkInButton(page, "Good").click();
  await expect(page.getByRole("status").filter({ hasText: "Saved: Good at" })).toBeVisible();
  await page.reload();
  await waitForApp(page);
  await expect(page.getByText(/Your last check-in: Good,/)).toBeVisible();
  await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Mood" }).click();
  await expect(moodEntries(page)).toHaveCount(1);
  await expect(moodEntries(page).first()).toContainText("Good");
  // Stored as one versioned record under its own key.
  const stored = await page.evaluate(() =>
    Object.keys(localStorage)
      .filter((k) => k.startsWith("waymark.rec.mood_check_in."))
      .map((k) => JSON.parse(localStorage.getItem(k)!)),
  );
  expect(stored).toHaveLength(1);
  expect(stored[0].v).toBe(2);
  expect(stored[0].record.data).toMatchObject({ mood: "good", note: "", tags: [] });
  expect(stored[0].record.deleted).toBe(false);
});

test("undo removes the check-in just made (as a tombstone)", async ({ page }) => {
  await openApp(page, "/");
  await checkInButton(page, "Low").click();
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Check-in removed." })).toBeVisible();
  await page.reload();
  await waitForApp(page);
  await page.goto("/mood");
  await waitForApp(page);
  await expect(page.getByText("No check-ins yet.")).toBeVisible();
  const deleted = await page.evaluate(() =>
    Object.keys(localStorage)
      .filter((k) => k.startsWith("waymark.rec.mood_check_in."))
      .map((k) => JSON.parse(localStorage.getItem(k)!).record.deleted),
  );
  expect(deleted).toEqual([true]);
});

test("two tabs each write a check-in, and both show in both tabs", async ({ context }) => {
  const tabA = await context.newPage();
  const tabB = await context.newPage();
  await openApp(tabA, "/mood");
  await openApp(tabB, "/");
  await checkInButton(tabB, "Very low").click();
  // Tab A hears about tab B's write through the storage event, without a reload.
  await expect(moodEntries(tabA)).toHaveCount(1);
  await tabA.goto("/");
  await waitForApp(tabA);
  await checkInButton(tabA, "Very good").click();
  await tabB.goto("/mood");
  await waitForApp(tabB);
  await tabA.goto("/mood");
  await waitForApp(tabA);
  for (const tab of [tabA, tabB]) {
    await expect(moodEntries(tab)).toHaveCount(2);
    await expect(tab.locator(".entry-list")).toContainText("Very low");
    await expect(tab.locator(".entry-list")).toContainText("Very good");
  }
});

test("a full store is shown to the person, and what was saved before is kept", async ({ page }) => {
  await openApp(page, "/");
  await checkInButton(page, "Okay").click();
  await expect(page.getByRole("status").filter({ hasText: "Saved: Okay" })).toBeVisible();
  // Fill the rest of this origin's localStorage.
  await page.evaluate(() => {
    const chunk = "x".repeat(256 * 1024);
    for (let i = 0; ; i++) {
      try {
        localStorage.setItem(`filler-${i}`, chunk);
      } catch {
        for (let size = 128 * 1024; size >= 1; size = Math.floor(size / 2)) {
          try {
            localStorage.setItem(`filler-small-${i}-${size}`, "x".repeat(size));
          } catch {
            /* try smaller */
          }
        }
        return;
      }
    }
  });
  await checkInButton(page, "Good").click();
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("storage for Waymark is full");
  await expect(alert).toContainText("Free up some space");
  await page.goto("/mood");
  await waitForApp(page);
  await expect(moodEntries(page)).toHaveCount(1);
  await expect(moodEntries(page).first()).toContainText("Okay");
});

test("data that cannot be read is kept aside and reported, never dropped", async ({ page }) => {
  await openApp(page, "/");
  const key = "waymark.rec.mood_check_in.6f1c2b9e-3d4a-4b5c-8d6e-7f8091a2b3c4";
  const newerKey = "waymark.rec.mood_check_in.0f1c2b9e-3d4a-4b5c-8d6e-7f8091a2b3c4";
  const newer = JSON.stringify({ v: 99, record: { id: "0f1c2b9e-3d4a-4b5c-8d6e-7f8091a2b3c4", future: true } });
  await page.evaluate(
    ([key, newerKey, newer]) => {
      localStorage.setItem(key, '{"v":1,"record":{"trunca');
      localStorage.setItem(newerKey, newer);
    },
    [key, newerKey, newer],
  );
  await page.reload();
  await waitForApp(page);
  await expect(page.getByText("Some saved data could not be read. It has been kept safe, not deleted.")).toBeVisible();
  await expect(page.getByText("Some of your data was saved by a newer version of Waymark.")).toBeVisible();
  await page.getByRole("link", { name: "See My data" }).click();
  await expect(page.getByRole("heading", { name: "Data kept aside" })).toBeVisible();
  await expect(page.locator(".aside-list")).toContainText(key);
  const stored = await page.evaluate(
    ([key, newerKey]) => {
      const asideKey = Object.keys(localStorage).find((k) => k.startsWith("waymark.aside."))!;
      return {
        original: localStorage.getItem(key),
        aside: JSON.parse(localStorage.getItem(asideKey)!),
        newer: localStorage.getItem(newerKey),
      };
    },
    [key, newerKey],
  );
  expect(stored.original).toBeNull();
  expect(stored.aside.raw).toBe('{"v":1,"record":{"trunca');
  expect(stored.aside.key).toBe(key);
  // Data from a newer version is left exactly where it was.
  expect(stored.newer).toBe(newer);
});

test.describe("start-up reads storage in one call", () => {
  test("a stored value with a NUL character does not stop the rest loading", async ({ page }) => {
    await openApp(page, "/");
    await checkInButton(page, "Okay").click();
    await expect(page.getByRole("status").filter({ hasText: "Saved: Okay" })).toBeVisible();
    const key = "waymark.rec.mood_check_in.1f1c2b9e-3d4a-4b5c-8d6e-7f8091a2b3c4";
    const odd = `{"v":2,"record":"\u0000"}`;
    await page.evaluate(([key, odd]) => localStorage.setItem(key, odd), [key, odd]);
    await page.goto("/mood");
    await waitForApp(page);
    await expect(moodEntries(page)).toHaveCount(1);
    await expect(moodEntries(page).first()).toContainText("Okay");
    await expect(page.getByText("Some saved data could not be read. It has been kept safe, not deleted.")).toBeVisible();
    const aside = await page.evaluate(() => {
      const asideKey = Object.keys(localStorage).find((k) => k.startsWith("waymark.aside."))!;
      return JSON.parse(localStorage.getItem(asideKey)!);
    });
    expect(aside.raw).toBe(odd);
    expect(aside.key).toBe(key);
  });
});

test.describe("start-up draws Today before reading years of check-ins", () => {
  /** One check-in a day going back from yesterday, the newest "Good" and the rest "Low". */
  const storeDays = (page: Page, days: number) =>
    storeCheckIns(
      page,
      Array.from({ length: days }, (_, n) => ({ daysAgo: n + 1, mood: n === 0 ? "good" : "low", note: `Day ${n + 1}`, tags: ["slept badly"] })),
    );

  test("a page that lists the check-ins never shows them missing while they load", async ({ page }) => {
    await openApp(page, "/");
    await storeDays(page, 400);
    // Notes every time the Mood page says there are no check-ins, from the first moment of each load.
    await page.addInitScript(() => {
      new MutationObserver(() => {
        if (document.body?.innerText.includes("No check-ins yet")) (window as any).__sawNone = true;
      }).observe(document, { childList: true, subtree: true, characterData: true });
    });
    await page.goto("/mood");
    await waitForApp(page);
    await expect(page.locator(".history-day").first()).toContainText("Good");
    await expect(page.locator("svg.chart")).toBeVisible();
    expect(await page.evaluate(() => (window as any).__sawNone ?? false)).toBe(false);
  });

  test("Today shows the latest check-in once loaded, and a check-in made at once is kept with the rest", async ({ page }) => {
    await openApp(page, "/");
    await storeDays(page, 400);
    // Taps "Okay" the moment the app draws it, before the first paint and so before the check-ins load (Playwright's
    // own click waits for the page to settle, by when they have).
    await page.addInitScript(() => {
      new MutationObserver((_, observer) => {
        const okay = [...document.querySelectorAll("button")].find((b) => b.textContent?.trim() === "Okay");
        if (!okay) return;
        observer.disconnect();
        (window as any).__tappedBeforeLoad = !document.querySelector(".last-check-in")?.textContent?.trim();
        okay.click();
      }).observe(document, { childList: true, subtree: true });
    });
    await page.reload();
    await waitForApp(page);
    expect(await page.evaluate(() => (window as any).__tappedBeforeLoad)).toBe(true);
    await expect(page.getByRole("status").filter({ hasText: "Saved: Okay" })).toBeVisible();
    await expect(page.getByText(/Your last check-in: Okay,/)).toBeVisible();
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Mood" }).click();
    await expect(moodEntries(page).first()).toContainText("Okay");
    await expect(page.locator(".history-day").nth(1)).toContainText("Good");
    const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("waymark.rec.mood_check_in.")).length);
    expect(stored).toBe(401);
  });

  // Which pages read the check-ins before they are drawn: all that show them, and not Today (which draws first).
  for (const [path, before] of [["/", false], ["/mood", true], ["/activity", true], ["/data/summary", true], ["/data", true]] as const) {
    test(`${path} reads the check-ins ${before ? "before" : "after"} it is drawn`, async ({ page }) => {
      await openApp(page, "/");
      await storeDays(page, 3);
      await page.addInitScript(() => {
        const w = window as any;
        const getItem = Storage.prototype.getItem;
        Storage.prototype.getItem = function (key: string) {
          if (key.startsWith("waymark.rec.mood_check_in.")) w.__checkInsReadBeforeDrawn ??= !w.__drawn;
          return getItem.call(this, key);
        };
        new MutationObserver((_, observer) => {
          if (!document.getElementById("static-shell") && document.querySelector("main h1")) {
            w.__drawn = true;
            observer.disconnect();
          }
        }).observe(document, { childList: true, subtree: true });
      });
      await page.goto(path);
      await waitForApp(page);
      // Read either way, in the end.
      await expect.poll(() => page.evaluate(() => (window as any).__checkInsReadBeforeDrawn)).toBe(before);
    });
  }

  test("an unreadable record of another kind is set aside and the rest still load", async ({ page }) => {
    await openApp(page, "/");
    await storeDays(page, 3);
    // Start-up reads every kind but the check-ins first: a NUL there makes it read key by key, leaving them out.
    const key = "waymark.rec.plan_step.2f1c2b9e-3d4a-4b5c-8d6e-7f8091a2b3c4";
    const odd = `{"v":1,"record":"\u0000"}`;
    await page.evaluate(([key, odd]) => localStorage.setItem(key, odd), [key, odd]);
    await page.reload();
    await waitForApp(page);
    await expect(page.getByText(/Your last check-in: Good,/)).toBeVisible();
    await expect(page.getByText("Some saved data could not be read. It has been kept safe, not deleted.")).toBeVisible();
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Mood" }).click();
    await expect(page.locator(".history-day")).toHaveCount(3);
    const aside = await page.evaluate(() => {
      const asideKey = Object.keys(localStorage).find((k) => k.startsWith("waymark.aside."))!;
      return JSON.parse(localStorage.getItem(asideKey)!);
    });
    expect(aside.key).toBe(key);
    expect(aside.raw).toBe(odd);
  });
});
