import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { answerQuestionnaires, checkInButton, notAtAll, openApp, storeCheckIns, waitForApp, waitForServiceWorker } from "./app";

const wcag22aa = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];

async function expectNoAxeViolations(page: Page, where: string) {
  const results = await new AxeBuilder({ page }).withTags(wcag22aa).analyze();
  expect(results.violations.map((v) => `${where}: ${v.id} (${v.nodes.length})`)).toEqual([]);
}

async function checkInWithDetails(page: Page) {
  await openApp(page, "/");
  await checkInButton(page, "Low").click();
  await page.getByRole("button", { name: "Add a note or tags" }).click();
}

test("tags, your own tag and a note are saved with a check-in and survive a reload", async ({ page }) => {
  await checkInWithDetails(page);
  await page.getByRole("button", { name: "slept badly" }).click();
  await page.getByLabel("Add your own tag").fill("Walked the Dog");
  await page.getByRole("button", { name: "Add tag" }).click();
  await expect(page.getByRole("button", { name: "walked the dog" })).toHaveAttribute("aria-pressed", "true");
  await page.getByLabel("Note (optional)").fill("Rough night, better after lunch");
  await expect(page.getByText("31 of 500 characters")).toBeVisible();
  await page.getByRole("button", { name: "Save", exact: true }).click();

  await page.reload();
  await waitForApp(page);
  await page.goto("/mood");
  await waitForApp(page);
  const entry = page.locator(".entry").first();
  await expect(entry).toContainText("Low");
  await expect(entry).toContainText("slept badly");
  await expect(entry).toContainText("walked the dog");
  await expect(entry).toContainText("Rough night, better after lunch");

  // The person's own tag is offered next time.
  await checkInWithDetails(page);
  await expect(page.getByRole("button", { name: "walked the dog" })).toHaveAttribute("aria-pressed", "false");
});

test("a missed day can be recorded by moving the time back", async ({ page }) => {
  await checkInWithDetails(page);
  const when = page.getByLabel("When");
  const yesterday = await page.evaluate(() => {
    const d = new Date(Date.now() - 86_400_000);
    d.setHours(9, 30, 0, 0);
    const pad = (n: number) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T09:30`;
  });
  await when.fill(yesterday);
  await when.dispatchEvent("change");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  // The line under the moods says the time the check-in now has, not the time of the tap.
  const yesterdayDay = await page.evaluate(() =>
    new Date(Date.now() - 86_400_000).toLocaleDateString("en-GB", { weekday: "long", day: "numeric", month: "long" }).replace(",", ""),
  );
  await expect(page.locator(".check-in-feedback").getByRole("status")).toHaveText(`Saved: Low, ${yesterdayDay}, 09:30.`);
  await page.goto("/mood");
  await waitForApp(page);
  const yesterdayWords = await page.evaluate(() =>
    new Date(Date.now() - 86_400_000).toLocaleDateString("en-GB", { weekday: "long", day: "numeric", month: "long" }),
  );
  const day = page.locator(".history-day").filter({ hasText: yesterdayWords.split(" ").slice(0, 2).join(" ") });
  await expect(day.locator(".entry")).toContainText("09:30");
  await expect(day.locator(".entry")).toContainText("Low");
});

test("a fourth low day in a week brings a gentle pointer to Help now and the person's own plan", async ({ page }) => {
  await openApp(page, "/plan/staying-well");
  await page.getByLabel("What I will do if I notice warning signs").fill("Ring my sister and go for a walk.");
  await page.getByLabel("What I will do if I notice warning signs").blur();
  await storeCheckIns(page, [{ daysAgo: 1, mood: "very_low" }, { daysAgo: 2, mood: "very_low" }]);
  await openApp(page, "/");
  await checkInButton(page, "Very low").click();
  // Three low days: just "Saved".
  await expect(page.locator(".check-in-feedback").getByRole("status")).toContainText("Saved: Very low");
  await expect(page.locator(".hard-week")).toHaveCount(0);

  await storeCheckIns(page, [{ daysAgo: 1, mood: "very_low" }, { daysAgo: 2, mood: "very_low" }, { daysAgo: 3, mood: "very_low" }]);
  await openApp(page, "/");
  await checkInButton(page, "Very low").click();
  const note = page.locator(".hard-week");
  await expect(note).toContainText("A hard week doesn't undo what you learned.");
  await expect(note).toContainText("Ring my sister and go for a walk.");
  await expect(note.getByRole("link", { name: "Your staying-well plan" })).toHaveAttribute("href", "/plan/staying-well");
  await expect(note.getByRole("link", { name: "Help now" })).toHaveAttribute("href", "/help");
  const results = await new AxeBuilder({ page }).withTags(wcag22aa).analyze();
  expect(results.violations.map((v) => v.id)).toEqual([]);
});

test("a check-in being changed keeps what was typed when another check-in is deleted", async ({ page }) => {
  await openApp(page, "/");
  await checkInButton(page, "Okay").click();
  await checkInButton(page, "Good").click();
  await page.goto("/mood");
  await waitForApp(page);
  await page.getByRole("button", { name: /^Change check-in: Okay at/ }).click();
  await page.getByLabel("Note (optional)").fill("Written while the other one went");
  await page.getByRole("button", { name: /^Delete check-in: Good at/ }).click();
  await expect(page.getByRole("status").filter({ hasText: "Check-in deleted." })).toBeVisible();
  await expect(page.getByLabel("Note (optional)")).toHaveValue("Written while the other one went");
});

test("a check-in can be changed, deleted, and the delete undone", async ({ page }) => {
  await openApp(page, "/");
  await checkInButton(page, "Okay").click();
  await page.goto("/mood");
  await waitForApp(page);
  await page.getByRole("button", { name: /^Change check-in: Okay at/ }).click();
  await page.getByRole("group", { name: "How you felt" }).getByRole("button", { name: "Very good" }).click();
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.locator(".entry").first()).toContainText("Very good");

  await page.getByRole("button", { name: /^Delete check-in: Very good at/ }).click();
  await expect(page.getByRole("status").filter({ hasText: "Check-in deleted." })).toBeVisible();
  await expect(page.getByText("No check-ins yet.")).toBeVisible();
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(page.locator(".entry").first()).toContainText("Very good");

  await page.reload();
  await waitForApp(page);
  await expect(page.locator(".entry")).toHaveCount(1);
  await expect(page.locator(".entry").first()).toContainText("Very good");
});

test("the trend shows as a chart with a summary, and the same figures as a table", async ({ page }) => {
  await openApp(page, "/");
  for (const mood of ["Low", "Good"]) await checkInButton(page, mood).click();
  await page.goto("/mood");
  await waitForApp(page);
  // Low (2) and Good (4) average to Okay (3).
  await expect(page.locator(".trend-summary")).toHaveText(/^Your average this month was Okay/);
  await expect(page.getByRole("img", { name: /Your average this month was/ })).toBeVisible();
  await page.getByRole("button", { name: "Week", exact: true }).click();
  await expect(page.getByRole("img", { name: /Your average this week was/ })).toBeVisible();
  await page.getByText("Show as a table").first().click();
  const table = page.getByRole("table", { name: "Average mood by day, week" });
  await expect(table.getByRole("row")).toHaveCount(2);
  await expect(table).toContainText("Okay");
  await expectNoAxeViolations(page, "/mood with data");
});

test("questionnaires: one question at a time, back and forward, to a result in the service's words", async ({ page }) => {
  await openApp(page, "/mood/questionnaire");
  await expect(page.getByText("Developed by Drs. Robert L. Spitzer")).toBeVisible();
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.getByText("Question 1 of 16")).toBeVisible();
  await expect(page.getByRole("group", { name: "Little interest or pleasure in doing things" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Next" })).toBeDisabled();
  await page.getByRole("radio", { name: "Nearly every day" }).check();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Back" }).click();
  await expect(page.getByRole("radio", { name: "Nearly every day" })).toBeChecked();
  await expectNoAxeViolations(page, "a question");

  // First pair: PHQ-9 12 (moderate), GAD-7 9 (mild): at caseness.
  await answerQuestionnaires(page, ["Nearly every day", "Nearly every day", "Nearly every day", "Nearly every day", ...notAtAll(5)], [
    "Nearly every day", "Nearly every day", "Nearly every day", ...notAtAll(4),
  ]);
  await expect(page.getByText("12 out of 27: moderate")).toBeVisible();
  await expect(page.getByText("9 out of 21: mild")).toBeVisible();
  await expect(page.getByText(/at the level your service calls caseness/)).toBeVisible();
  await expect(page.getByText("Support is available now")).toHaveCount(0);

  // Later pair: PHQ-9 3, GAD-7 2: reliable recovery.
  await answerQuestionnaires(page, ["Nearly every day", ...notAtAll(8)], ["Several days", "Several days", ...notAtAll(5)]);
  await expect(page.getByText("3 out of 27: minimal")).toBeVisible();
  await expect(page.getByText(/Since your first scores/)).toBeVisible();
  await expect(page.getByText(/reliable recovery/)).toBeVisible();
  await expect(page.getByRole("img", { name: /Chart of your PHQ-9 and GAD-7 scores over 2 occasions/ })).toBeVisible();
  await page.getByText("Show as a table").click();
  await expect(page.getByRole("table", { name: "Your questionnaire scores" }).getByRole("row")).toHaveCount(3);
  await expectNoAxeViolations(page, "/mood/results");

  await page.reload();
  await waitForApp(page);
  await expect(page.getByText("3 out of 27: minimal")).toBeVisible();
});

test("an answer above 'Not at all' on PHQ-9 item 9 shows support at once, and before any result", async ({ page }) => {
  await openApp(page, "/mood/questionnaire");
  await page.getByRole("button", { name: "Start" }).click();
  for (let i = 0; i < 8; i++) {
    await page.getByRole("radio", { name: "Not at all" }).check();
    await page.getByRole("button", { name: "Next" }).click();
  }
  await expect(page.getByRole("group", { name: /Thoughts that you would be better off dead/ })).toBeVisible();
  await expect(page.getByText("Support is available now")).toHaveCount(0);
  await page.getByRole("radio", { name: "Several days" }).check();
  // At once: before moving on.
  const alert = page.getByRole("alert").filter({ hasText: "Support is available now" });
  await expect(alert).toBeVisible();
  await expect(page.getByRole("link", { name: "Call 116 123" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Text SHOUT to 85258" })).toBeVisible();
  await expectNoAxeViolations(page, "item 9 support");

  for (let i = 0; i < 7; i++) {
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByRole("radio", { name: "Not at all" }).check();
  }
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Skip and see results" }).click();
  await expect(page).toHaveURL("/mood/results");
  // Support comes before the scores on the results page.
  const support = page.getByRole("heading", { name: "Support is available now" });
  const scores = page.getByRole("heading", { name: /Your scores on/ });
  await expect(support).toBeVisible();
  const [supportBox, scoresBox] = [await support.boundingBox(), await scores.boundingBox()];
  expect(supportBox!.y).toBeLessThan(scoresBox!.y);
});

test("mood history and results work offline after the first visit", async ({ page, context }) => {
  await openApp(page, "/");
  await waitForServiceWorker(page);
  await checkInButton(page, "Good").click();
  await answerQuestionnaires(page, notAtAll(9), notAtAll(7));
  await context.setOffline(true);
  await page.goto("/mood/results");
  await waitForApp(page);
  await expect(page.getByText("0 out of 27: minimal")).toBeVisible();
  await page.goto("/mood");
  await waitForApp(page);
  await expect(page.locator(".entry").first()).toContainText("Good");
  await checkInWithDetails(page);
  await page.getByRole("button", { name: "tired" }).click();
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.goto("/mood");
  await waitForApp(page);
  await expect(page.locator(".entry").first()).toContainText("tired");
  await context.setOffline(false);
});
