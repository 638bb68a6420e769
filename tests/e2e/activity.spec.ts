import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { openApp, waitForApp, waitForServiceWorker } from "./app";

const wcag22aa = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];

async function setBuildUpGoal(page: Page) {
  await openApp(page, "/activity");
  await page.getByRole("link", { name: "Set a goal" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Set a goal");
  await page.getByRole("button", { name: "Build up to 150 minutes a week" }).click();
  await expect(page.getByLabel("How many each week")).toHaveValue("60");
  await expect(page.getByLabel("Build up a little each week")).toBeChecked();
  await page.getByLabel("Why this matters to me (optional)").fill("To keep up with my grandchildren");
  await page.getByRole("button", { name: "Save goal" }).click();
  await expect(page).toHaveURL("/activity");
}

async function logSession(page: Page, activity: string, minutes: string, intensity: string) {
  const form = page.locator("section").filter({ has: page.getByRole("heading", { name: "Log activity" }) });
  await form.getByLabel("Activity").selectOption({ label: activity });
  await form.getByLabel("Minutes").fill(minutes);
  await form.getByRole("radio", { name: new RegExp(`^${intensity}:`) }).check();
  await form.getByRole("button", { name: "Log it" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Logged: ${minutes} minutes` })).toBeVisible();
}

const goal = (page: Page) => page.locator("article.goal").first();

test("a goal from a starting point, then logging moves this week's progress", async ({ page }) => {
  await setBuildUpGoal(page);
  await expect(goal(page)).toContainText("0 of 60 minutes");
  await expect(goal(page)).toContainText("Why this matters to me: To keep up with my grandchildren");

  await logSession(page, "Walking", "20", "Moderate");
  await expect(goal(page)).toContainText(/20 of 60 minutes\. 40 minutes to go/);
  await expect(page.getByText(/20/).filter({ hasText: /150/ }).first()).toBeVisible();

  // Log the same again, in one tap.
  await page.getByRole("button", { name: "Walking, 20 min, moderate" }).click();
  await expect(goal(page)).toContainText(/40 of 60 minutes/);

  // Vigorous minutes count double towards the guideline.
  await logSession(page, "Running", "10", "Vigorous");
  await expect(goal(page)).toContainText(/50 of 60 minutes/);
  const guideline = page.locator("section").filter({ has: page.getByRole("heading", { name: "This week and the guideline" }) });
  await expect(guideline).toContainText("60");

  await page.reload();
  await waitForApp(page);
  await expect(goal(page)).toContainText(/50 of 60 minutes/);
  await page.goto("/");
  await waitForApp(page);
  await expect(page.getByText(/50 of 60 minutes/)).toBeVisible();
  // The goal's name and its progress are apart: no line runs two colons together.
  const thisWeek = page.getByRole("region", { name: "This week's activity" });
  for (const line of await thisWeek.locator("p, h3").allTextContents()) {
    expect(line.split(":").length, line).toBeLessThanOrEqual(2);
  }
});

test("a back-dated session says its day, and the next log starts from today again", async ({ page }) => {
  await openApp(page, "/activity");
  const form = page.locator("section").filter({ has: page.getByRole("heading", { name: "Log activity" }) });
  const day = (daysAgo: number) =>
    page.evaluate((daysAgo) => {
      const d = new Date(Date.now() - daysAgo * 86_400_000);
      const pad = (n: number) => String(n).padStart(2, "0");
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
    }, daysAgo);
  await form.getByLabel("Day").fill(await day(2));
  await form.getByLabel("Day").dispatchEvent("change");
  await form.getByRole("button", { name: "Log it" }).click();
  await expect(page.getByRole("status").filter({ hasText: /^Logged: 20 minutes of walking on \w+ \d+ \w+ \d{4}\.$/ })).toBeVisible();
  await expect(form.getByLabel("Day")).toHaveValue(await day(0));
});

test("a session being changed keeps what was typed when another session is logged", async ({ page }) => {
  await openApp(page, "/activity");
  await logSession(page, "Cycling", "15", "Light");
  await page.getByRole("button", { name: /^Change session: Cycling, 15 minutes/ }).click();
  const editor = page.locator(".entry .session-form");
  await editor.getByLabel("Minutes").fill("35");
  // Another session saved while the form is open.
  await logSession(page, "Walking", "20", "Moderate");
  await expect(editor.getByLabel("Minutes")).toHaveValue("35");
});

test("a session can be changed, deleted and the delete undone", async ({ page }) => {
  await setBuildUpGoal(page);
  await logSession(page, "Cycling", "15", "Light");
  await page.getByRole("button", { name: /^Change session: Cycling, 15 minutes/ }).click();
  const editor = page.locator(".entry .session-form");
  await editor.getByLabel("Minutes").fill("25");
  await editor.getByRole("radio", { name: /^Moderate:/ }).check();
  await editor.getByRole("button", { name: "Save" }).click();
  await expect(goal(page)).toContainText(/25 of 60 minutes/);

  await page.getByRole("button", { name: /^Delete session: Cycling, 25 minutes/ }).click();
  await expect(page.getByRole("status").filter({ hasText: "Session deleted." })).toBeVisible();
  await expect(goal(page)).toContainText("0 of 60 minutes");
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(goal(page)).toContainText(/25 of 60 minutes/);
});

test("a goal can be changed, paused, resumed and finished", async ({ page }) => {
  await setBuildUpGoal(page);
  await goal(page).getByRole("link", { name: "Change" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Change goal");
  await page.getByLabel("Activity").selectOption({ label: "Walking" });
  await page.getByLabel("Days a week").check();
  await page.getByLabel("How many each week").fill("3");
  await page.getByLabel("Build up a little each week").uncheck();
  await page.getByRole("button", { name: "Save goal" }).click();
  await expect(goal(page)).toContainText("Walking");
  await expect(goal(page)).toContainText(/0 of 3 days/);

  await goal(page).getByRole("button", { name: "Pause" }).click();
  await expect(goal(page)).toContainText("Paused");
  await goal(page).getByRole("button", { name: "Resume" }).click();
  await expect(goal(page)).not.toContainText("Paused");
  await goal(page).getByRole("button", { name: "Finish" }).click();
  await expect(page.locator("article.goal")).toHaveCount(0);
  await page.getByText("Finished and archived goals").click();
  await page.getByRole("button", { name: "Make active again" }).click();
  await expect(page.locator("article.goal")).toHaveCount(1);
});

test("activity works offline and survives a reload; axe finds nothing on the activity screens", async ({ page, context }) => {
  await openApp(page, "/activity");
  await waitForServiceWorker(page);
  await context.setOffline(true);
  await setBuildUpGoal(page);
  await logSession(page, "Dancing", "30", "Moderate");
  await page.reload();
  await waitForApp(page);
  await expect(goal(page)).toContainText(/30 of 60 minutes/);
  await context.setOffline(false);

  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const path of ["/activity", "/activity/goal/new"]) {
      await openApp(page, path);
      const results = await new AxeBuilder({ page }).withTags(wcag22aa).analyze();
      expect(results.violations.map((v) => `${scheme} ${path}: ${v.id}`)).toEqual([]);
    }
    await openApp(page, "/activity");
    await page.getByRole("button", { name: /^Change session: Dancing/ }).click();
    const editing = await new AxeBuilder({ page }).withTags(wcag22aa).analyze();
    expect(editing.violations.map((v) => `${scheme} editing: ${v.id}`)).toEqual([]);
  }
});
