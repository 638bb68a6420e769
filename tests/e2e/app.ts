// What the tests share: where the app's sections are, and how to wait for the app (not the static shell) to run.
import { expect, type Page } from "@playwright/test";

export const sections = [
  { link: "Today", path: "/", heading: "Today" },
  { link: "Mood", path: "/mood", heading: "Mood" },
  { link: "Activity", path: "/activity", heading: "Activity" },
  { link: "Plan", path: "/plan", heading: "Plan" },
  { link: "My data", path: "/data", heading: "My data" },
];

export const routes = [
  ...sections.map((s) => ({ path: s.path, heading: s.heading })),
  { path: "/help", heading: "Help now" },
  { path: "/mood/questionnaire", heading: "Questionnaires" },
  { path: "/mood/results", heading: "Questionnaire results" },
  { path: "/activity/goal/new", heading: "Set a goal" },
  { path: "/data/summary", heading: "Summary for an appointment" },
  { path: "/data/sync", heading: "Sync between my devices" },
  { path: "/plan/services", heading: "Find a service" },
  { path: "/plan/staying-well", heading: "My staying-well plan" },
];

/** Opens a page and waits until the app has replaced the static shell. */
export async function openApp(page: Page, path = "/") {
  await page.goto(path);
  await waitForApp(page);
}

export async function waitForApp(page: Page) {
  await expect(page.locator("#static-shell")).toHaveCount(0);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
}

/** Waits until a service worker controls the page (after the first visit, it serves the app offline). */
export async function waitForServiceWorker(page: Page) {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }));
    }
  });
}

export function checkInButton(page: Page, mood: string) {
  return page.getByRole("group", { name: "How are you feeling right now?" }).getByRole("button", { name: mood, exact: true });
}

/** A check-in as an earlier visit would have stored it: `daysAgo` days before now, "okay" with no note unless said. */
export interface StoredCheckIn {
  daysAgo: number;
  mood?: string;
  note?: string;
  tags?: string[];
}

/** Writes check-ins straight into storage (current schema, ids made from their place in the list); the app reads
 * them on its next load. */
export async function storeCheckIns(page: Page, checkIns: StoredCheckIn[]) {
  await page.evaluate((checkIns) => {
    checkIns.forEach(({ daysAgo, mood = "okay", note = "", tags = [] }, n) => {
      const at = Date.now() - daysAgo * 86_400_000;
      const id = `${(n + 1).toString(16).padStart(8, "0")}-0000-4000-8000-000000000000`;
      const record = { id, created: at, updated: at, deleted: false, data: { mood, at, note, tags } };
      localStorage.setItem(`waymark.rec.mood_check_in.${id}`, JSON.stringify({ v: 2, record }));
    });
  }, checkIns);
}

export function moodEntries(page: Page) {
  return page.locator(".entry-list li");
}

/** Answers all 16 questions: `phq9` and `gad7` are the option labels to choose, one per item. */
export async function answerQuestionnaires(page: Page, phq9: string[], gad7: string[]) {
  await page.goto("/mood/questionnaire");
  await waitForApp(page);
  await page.getByRole("button", { name: "Start" }).click();
  for (const answer of [...phq9, ...gad7]) {
    await page.getByRole("radio", { name: answer, exact: true }).check();
    await page.getByRole("button", { name: "Next" }).click();
  }
  await page.getByRole("button", { name: "Skip and see results" }).click();
  await expect(page).toHaveURL("/mood/results");
}

export const notAtAll = (n: number) => Array<string>(n).fill("Not at all");
