import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import ICAL from "ical.js";
import { readFileSync, writeFileSync } from "node:fs";
import { answerQuestionnaires, checkInButton, notAtAll, openApp, storeCheckIns, waitForApp } from "./app";

const wcag22aa = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];

/** Everything Waymark keeps, read straight from storage. */
function waymarkStorage(page: Page) {
  return page.evaluate(() =>
    Object.fromEntries(Object.keys(localStorage).filter((k) => k.startsWith("waymark.")).sort().map((k) => [k, localStorage.getItem(k)])),
  );
}

async function download(page: Page, click: () => Promise<void>) {
  const [file] = await Promise.all([page.waitForEvent("download"), click()]);
  const path = test.info().outputPath(`${Date.now()}-${file.suggestedFilename()}`);
  await file.saveAs(path);
  return { name: file.suggestedFilename(), path, text: readFileSync(path, "utf8") };
}

async function someData(page: Page) {
  await openApp(page, "/");
  await checkInButton(page, "Good").click();
  await checkInButton(page, "Low").click();
  await page.getByRole("button", { name: "Add a note or tags" }).click();
  await page.getByRole("button", { name: "tired" }).click();
  await page.getByLabel("Note (optional)").fill('Said "no" to the party, and that was fine');
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await answerQuestionnaires(page, ["Several days", ...notAtAll(8)], notAtAll(7));
}

async function chooseBackup(page: Page, path: string) {
  await page.getByLabel("Choose a Waymark backup file").setInputFiles(path);
}

test("export, delete everything, import: every record comes back exactly", async ({ page }) => {
  await someData(page);
  await openApp(page, "/data");
  const before = await waymarkStorage(page);
  const backup = await download(page, () => page.getByRole("button", { name: "Download a backup" }).click());
  expect(backup.name).toMatch(/^waymark-backup-\d{4}-\d{2}-\d{2}\.json$/);
  const json = JSON.parse(backup.text);
  expect(json.format).toBe("waymark-backup");
  expect(json.records.mood_check_in).toHaveLength(2);

  await page.getByRole("button", { name: "Delete everything…" }).click();
  await expect(page.getByRole("alert")).toContainText("Delete 2 check-ins, 1 questionnaire from this device?");
  await page.getByRole("button", { name: "Yes, delete everything" }).click();
  await expect(page.getByText("Everything Waymark kept on this device has been deleted.")).toBeVisible();
  expect(await waymarkStorage(page)).toEqual({});

  await chooseBackup(page, backup.path);
  await expect(page.getByText(/holds 2 check-ins/)).toBeVisible();
  await page.getByRole("button", { name: "Add to my data" }).click();
  // The count says what it counts: never a bare "Added 19."
  await expect(page.getByText(/^Added \d+ items\./)).toBeVisible();
  const after = await waymarkStorage(page);
  const records = (s: Record<string, string | null>) => Object.fromEntries(Object.entries(s).filter(([k]) => k.startsWith("waymark.rec.") && !k.includes(".settings.")));
  expect(records(after)).toEqual(records(before));

  // Importing the same file again adds nothing.
  await chooseBackup(page, backup.path);
  await page.getByRole("button", { name: "Add to my data" }).click();
  await expect(page.locator(".import-step")).toContainText("Nothing needed changing");
  expect(records(await waymarkStorage(page))).toEqual(records(before));
  await page.goto("/mood");
  await waitForApp(page);
  await expect(page.locator(".entry")).toHaveCount(2);
});

test("replace asks first and saves a copy of the current data before replacing", async ({ page, browser }) => {
  // A backup from "another phone" with one check-in.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await openApp(otherPage, "/");
  await checkInButton(otherPage, "Very good").click();
  await openApp(otherPage, "/data");
  const theirs = await download(otherPage, () => otherPage.getByRole("button", { name: "Download a backup" }).click());
  await other.close();

  await someData(page);
  await openApp(page, "/data");
  await chooseBackup(page, theirs.path);
  await expect(page.getByText(/holds 1 check-in/)).toBeVisible();
  await page.getByRole("button", { name: "Replace my data" }).click();
  await expect(page.getByText("Replace everything on this phone with the backup?")).toBeVisible();
  const copy = await download(page, () => page.getByRole("button", { name: "Save a copy, then replace" }).click());
  expect(JSON.parse(copy.text).records.mood_check_in).toHaveLength(2);
  await expect(page.getByText(/Your data was replaced with the backup/)).toBeVisible();
  await page.goto("/mood");
  await waitForApp(page);
  await expect(page.locator(".entry")).toHaveCount(1);
  await expect(page.locator(".entry").first()).toContainText("Very good");
});

test("a damaged, foreign or future backup changes nothing and says why", async ({ page }) => {
  await someData(page);
  await openApp(page, "/data");
  const before = await waymarkStorage(page);
  const cases: [string, RegExp][] = [
    ['{"format":"waymark-backup","version":1,"records":{"mood_check_in":[{"v":2,"rec', /Nothing was changed/],
    ['{"name":"some other app"}', /not a Waymark backup/],
    ['{"format":"waymark-backup","version":99,"exported_at_ms":0,"records":{}}', /newer version of Waymark/],
  ];
  for (const [text, message] of cases) {
    const path = test.info().outputPath(`bad-${text.length}.json`);
    writeFileSync(path, text);
    await chooseBackup(page, path);
    await expect(page.locator(".import-step")).toContainText(message);
    expect(await waymarkStorage(page)).toEqual(before);
  }
});

test("spreadsheet files open correctly and calendar reminders are valid iCalendar", async ({ page }) => {
  await someData(page);
  await openApp(page, "/data");
  const csv = await download(page, () => page.getByRole("button", { name: "Check-ins (CSV)" }).click());
  expect(csv.text.charCodeAt(0)).toBe(0xfeff);
  const lines = csv.text.slice(1).split("\r\n");
  expect(lines[0]).toBe("id,time,mood_score,mood,tags,note");
  expect(lines[2]).toContain('"Said ""no"" to the party, and that was fine"');
  expect(lines[1]).toMatch(/,\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2},4,Good,/);

  await page.getByLabel("Daily check-in at").fill("20:30");
  const daily = await download(page, () => page.getByRole("button", { name: "Get the daily reminder" }).click());
  const calendar = new ICAL.Component(ICAL.parse(daily.text));
  const event = calendar.getFirstSubcomponent("vevent")!;
  expect(event.getFirstPropertyValue("summary")).toBe("Waymark: how are you feeling?");
  expect(String(event.getFirstPropertyValue("rrule"))).toContain("FREQ=DAILY");
  const start = event.getFirstPropertyValue("dtstart") as ICAL.Time;
  expect([start.hour, start.minute]).toEqual([20, 30]);
  expect(event.getFirstSubcomponent("valarm")).not.toBeNull();

  const monthly = await download(page, () => page.getByRole("button", { name: "Get the monthly reminder" }).click());
  const monthlyEvent = new ICAL.Component(ICAL.parse(monthly.text)).getFirstSubcomponent("vevent")!;
  expect(String(monthlyEvent.getFirstPropertyValue("rrule"))).toContain("FREQ=MONTHLY");
});

test("reminder times show in full, and a goal review reminder names the goal once", async ({ page }) => {
  await openApp(page, "/activity/goal/new");
  await page.getByRole("button", { name: "Build up to 150 minutes a week" }).click();
  await page.getByRole("button", { name: "Save goal" }).click();
  await expect(page).toHaveURL("/activity");
  await openApp(page, "/data");
  const reviews = await download(page, () => page.getByRole("button", { name: "Get goal review reminders" }).click());
  const event = new ICAL.Component(ICAL.parse(reviews.text)).getFirstSubcomponent("vevent")!;
  const summary = String(event.getFirstPropertyValue("summary"));
  expect(summary).toMatch(/^Waymark: review your goal: Any activity: 60 minutes a week/);
  expect(summary).not.toContain("Look again");
  for (const label of ["Daily check-in at", "Monthly PHQ-9 and GAD-7, from today, at"]) {
    // As wide as the box is on its own, with nothing squeezing it: "19:00" and the picker fit.
    const [width, needed] = await page.getByLabel(label).evaluate((input) => {
      const alone = input.cloneNode() as HTMLInputElement;
      document.body.append(alone);
      const needed = alone.getBoundingClientRect().width;
      alone.remove();
      return [input.getBoundingClientRect().width, needed];
    });
    expect(width, label).toBeGreaterThanOrEqual(needed - 1);
  }
});

test("the summary for an appointment renders for print, and My data passes axe", async ({ page }) => {
  await someData(page);
  await openApp(page, "/data");
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const results = await new AxeBuilder({ page }).withTags(wcag22aa).analyze();
    expect(results.violations.map((v) => `${scheme} /data: ${v.id}`)).toEqual([]);
  }
  await page.getByRole("link", { name: "Make a summary" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Summary for an appointment");
  await expect(page.getByRole("table", { name: "Average mood by week" })).toBeVisible();
  const scores = page.locator("section").filter({ has: page.getByRole("heading", { name: "PHQ-9 and GAD-7" }) });
  await expect(scores.getByRole("listitem").first()).toContainText("PHQ-9: 1 (minimal)");
  const results = await new AxeBuilder({ page }).withTags(wcag22aa).analyze();
  expect(results.violations.map((v) => v.id)).toEqual([]);
  await page.emulateMedia({ media: "print" });
  await expect(page.getByRole("banner")).toBeHidden();
  await expect(page.getByRole("navigation", { name: "Sections" })).toBeHidden();
  await expect(page.getByRole("button", { name: "Print or save as PDF" })).toBeHidden();
  await expect(scores.getByRole("listitem").first()).toBeVisible();
  const pdf = await page.pdf({ format: "A4" });
  expect(pdf.byteLength).toBeGreaterThan(1000);
});

test("the summary fits a phone once questionnaires exist, and counts a goal's weeks from its start", async ({ page }) => {
  const often = (n: number) => Array<string>(n).fill("More than half the days");
  await openApp(page, "/");
  await checkInButton(page, "Very good").click();
  await answerQuestionnaires(page, often(9), often(7));
  await answerQuestionnaires(page, often(9), often(7));
  await openApp(page, "/activity/goal/new");
  await page.getByRole("button", { name: "Build up to 150 minutes a week" }).click();
  await page.getByRole("button", { name: "Save goal" }).click();
  await expect(page).toHaveURL("/activity");

  await openApp(page, "/data/summary");
  const scores = page.locator("section").filter({ has: page.getByRole("heading", { name: "PHQ-9 and GAD-7" }) });
  await expect(scores).toContainText("18");
  // Against the screen's width, not innerWidth: a phone zooms out to fit a page that is too wide.
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(page.viewportSize()!.width);
  await expect(page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "My data" })).toBeInViewport();
  await expect(scores).toContainText("PHQ-9: 18 (moderately severe)");

  // The goal was set today: one week counted, not the thirteen before it existed.
  const activity = page.locator("section").filter({ has: page.getByRole("heading", { name: "Activity", exact: true }) });
  await expect(activity).toContainText(/a week, building up to 150\. Met in 0 of 1 week\./);
  await expect(activity.getByRole("table").getByRole("row")).toHaveCount(2);
});

test("Today notes gently when the last check-in was days ago", async ({ page }) => {
  await openApp(page, "/");
  await storeCheckIns(page, [{ daysAgo: 4 }]);
  await page.reload();
  await waitForApp(page);
  await expect(page.getByText("You last checked in 4 days ago.")).toBeVisible();
});

test("Today suggests a backup when the data is a month old and none was made, and stops once one is", async ({ page }) => {
  await openApp(page, "/");
  await storeCheckIns(page, [{ daysAgo: 40 }]);
  await page.reload();
  await waitForApp(page);
  const nudge = page.getByRole("region", { name: "Keep a copy of your data" });
  await expect(nudge).toBeVisible();
  // It comes last on Today, so appearing a moment after the rest (it waits for the check-ins) moves nothing.
  const last = await page.locator("main > *").last().getAttribute("aria-labelledby");
  expect(last).toBe("today-backup");
  await nudge.getByRole("link", { name: "Go to My data" }).click();
  await download(page, () => page.getByRole("button", { name: "Download a backup" }).click());
  await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Today" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Today" })).toBeVisible();
  await expect(page.getByText("Your last check-in: Okay,")).toBeVisible();
  await expect(nudge).toHaveCount(0);
});
