import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { answerQuestionnaires, notAtAll, openApp, waitForApp, waitForServiceWorker } from "./app";

const wcag22aa = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];

/** Opens a step's controls (status, date, notes, order, remove). */
async function openStep(page: Page, what: string) {
  const edit = page.getByRole("button", { name: `Edit step: ${what}` });
  // (Tolerant, so these tests also run against a build from before steps opened to edit.)
  if (await edit.count()) await edit.click();
}

async function addStepDebtAdvice(page: Page) {
  await openApp(page, "/plan");
  await page.getByRole("link", { name: "Find a service" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Find a service");
  await page.getByRole("button", { name: "Money and debt" }).click();
  const stepChange = page.locator("li.service").filter({ hasText: "StepChange" });
  await expect(stepChange.getByRole("link", { name: /^Call 0800 138 1111$/ })).toHaveAttribute("href", /^tel:\+?4?4?0?8001381111$/);
  await stepChange.getByRole("button", { name: "Add to my plan" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Added to your plan: contact StepChange" })).toBeVisible();
}

test("find a service by need and by word, add it to the plan, and update it with a note", async ({ page }) => {
  await openApp(page, "/plan/services");
  await page.getByLabel("Or search").fill("bereavement");
  await expect(page.locator("li.service").first()).toContainText("Cruse");
  await page.getByLabel("Or search").fill("");

  await addStepDebtAdvice(page);
  await page.getByRole("link", { name: "Back to your plan" }).click();
  const step = page.locator("li.plan-step").filter({ hasText: "Contact StepChange" });
  await expect(step).toBeVisible();
  await openStep(page, "Contact StepChange");
  await step.getByLabel("Status").selectOption({ label: "Waiting to hear back" });
  await step.getByLabel("Add a note").fill("Phoned, they will call back Tuesday");
  await step.getByRole("button", { name: "Add note" }).click();
  await expect(step).toContainText("Phoned, they will call back Tuesday");
  const today = await page.evaluate(() => {
    const d = new Date();
    const pad = (n: number) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  });
  await step.getByLabel("Date (optional)").fill(today);
  await step.getByLabel("Date (optional)").dispatchEvent("change");
  await expect(step).toContainText("Due today");

  await page.reload();
  await waitForApp(page);
  await expect(page.locator("li.plan-step").filter({ hasText: "Contact StepChange" })).toContainText("Phoned, they will call back Tuesday");
  await expect(page.getByLabel("Status").first()).toHaveValue("WaitingToHear");

  // Due today shows on Today.
  await page.goto("/");
  await waitForApp(page);
  await expect(page.locator("section").filter({ has: page.getByRole("heading", { name: "Next steps" }) })).toContainText("Contact StepChange");
});

test("a search finds other forms of a word, and says when it looks only in one need", async ({ page }) => {
  await openApp(page, "/plan/services");
  await page.getByLabel("Or search").fill("lonely");
  await expect(page.locator("li.service").filter({ hasText: "Marmalade Trust" })).toBeVisible();
  await page.getByLabel("Or search").fill("");

  await page.getByRole("button", { name: "Money and debt" }).click();
  await page.getByLabel("Or search").fill("lonely");
  await expect(page.getByRole("status").filter({ hasText: "Searching only in “Money and debt”." })).toBeVisible();
  await expect(page.locator("li.service").filter({ hasText: "Marmalade Trust" })).toHaveCount(0);
  await page.getByRole("button", { name: "Search every need" }).click();
  await expect(page.locator("li.service").filter({ hasText: "Marmalade Trust" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Money and debt" })).toHaveAttribute("aria-pressed", "false");
});

test("steps can be added, reordered, filtered, done and kept as a record", async ({ page }) => {
  await openApp(page, "/plan");
  for (const what of ["Ask about council tax support", "Go to the walking group"]) {
    await page.getByLabel("What will you do?").fill(what);
    await page.getByRole("button", { name: "Add step" }).click();
  }
  const titles = () => page.locator("li.plan-step h3").allTextContents();
  await expect.poll(titles).toEqual(["Ask about council tax support", "Go to the walking group"]);
  await openStep(page, "Go to the walking group");
  await page.getByRole("button", { name: "Move Go to the walking group up" }).click();
  await expect.poll(titles).toEqual(["Go to the walking group", "Ask about council tax support"]);

  await page.locator("li.plan-step").first().getByLabel("Status").selectOption({ label: "Done" });
  await expect.poll(titles).toEqual(["Ask about council tax support"]);
  await page.getByText(/What I have done \(1\)/).click();
  await expect(page.getByText(/Go to the walking group/)).toBeVisible();
  await page.getByLabel("Show").selectOption({ label: "To do" });
  await expect.poll(titles).toEqual(["Ask about council tax support"]);
});

test("removing a step says which step, and Undo puts it back with its notes", async ({ page }) => {
  await openApp(page, "/plan");
  for (const what of ["Ring Citizens Advice", "Go to the walking group"]) {
    await page.getByLabel("What will you do?").fill(what);
    await page.getByRole("button", { name: "Add step" }).click();
  }
  const step = page.locator("li.plan-step").filter({ hasText: "Ring Citizens Advice" });
  await openStep(page, "Ring Citizens Advice");
  await openStep(page, "Go to the walking group");
  await step.getByLabel("Add a note").fill("They open at nine");
  await step.getByRole("button", { name: "Add note" }).click();
  await expect(step).toContainText("They open at nine");
  // Every repeated control says which step it acts on.
  await expect(page.getByRole("button", { name: "Move Ring Citizens Advice down" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Move Go to the walking group up" })).toBeVisible();

  await page.getByRole("button", { name: "Remove step: Ring Citizens Advice" }).click();
  await expect(page.locator("li.plan-step h3")).toHaveText(["Go to the walking group"]);
  await expect(page.getByRole("status").filter({ hasText: "Step removed: “Ring Citizens Advice”" })).toBeVisible();
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(page.locator("li.plan-step h3")).toHaveText(["Ring Citizens Advice", "Go to the walking group"]);
  await expect(page.locator("li.plan-step").filter({ hasText: "Ring Citizens Advice" })).toContainText("They open at nine");
  await expect(page.getByRole("button", { name: "Undo" })).toHaveCount(0);

  // Still there after a reload, notes and all.
  await page.reload();
  await waitForApp(page);
  await expect(page.locator("li.plan-step").filter({ hasText: "Ring Citizens Advice" })).toContainText("They open at nine");
});

test("a field's error is read with the field", async ({ page }) => {
  await openApp(page, "/plan");
  await page.getByRole("button", { name: "Add step" }).click();
  const what = page.getByLabel("What will you do?");
  const problem = (await page.locator(".field-error").filter({ hasText: /\S/ }).first().textContent())!.trim();
  expect(problem).not.toBe("");
  await expect(what).toHaveAccessibleDescription(problem);
  await expect(what).toHaveAttribute("aria-invalid", "true");

  await what.fill("Ring the council");
  await page.getByRole("button", { name: "Add step" }).click();
  const step = page.locator("li.plan-step").first();
  await openStep(page, "Ring the council");
  await step.getByRole("button", { name: "Add note" }).click();
  await expect(step.getByLabel("Add a note")).toHaveAccessibleDescription(/\S/);

  await openApp(page, "/activity");
  const form = page.locator("section").filter({ has: page.getByRole("heading", { name: "Log activity" }) });
  await form.getByLabel("Minutes").fill("0");
  await form.getByRole("button", { name: "Log it" }).click();
  await expect(form.getByLabel("Minutes")).toHaveAccessibleDescription(/\S/);

  await openApp(page, "/activity/goal/new");
  await page.getByLabel("How many each week").fill("0");
  await page.getByRole("button", { name: "Save goal" }).click();
  await expect(page.getByLabel("How many each week")).toHaveAccessibleDescription(/^Write a number from 1 to/);
});

test("a note being typed under one step survives a change to another step", async ({ page }) => {
  await openApp(page, "/plan");
  for (const what of ["Ring the council", "Go to the walking group"]) {
    await page.getByLabel("What will you do?").fill(what);
    await page.getByRole("button", { name: "Add step" }).click();
  }
  await openStep(page, "Ring the council");
  await openStep(page, "Go to the walking group");
  const council = page.locator("li.plan-step").filter({ hasText: "Ring the council" });
  const walking = page.locator("li.plan-step").filter({ hasText: "Go to the walking group" });
  await council.getByLabel("Add a note").fill("Ask about the hardship fund");
  await walking.getByLabel("Status").selectOption({ label: "In progress" });
  await expect(walking.getByLabel("Status")).toHaveValue("InProgress");
  await walking.getByLabel("Add a note").fill("Thursdays at ten");
  await walking.getByRole("button", { name: "Add note" }).click();
  await expect(walking.locator(".step-notes li")).toHaveCount(1);
  await expect(council.getByLabel("Add a note")).toHaveValue("Ask about the hardship fund");
  await expect(council.getByLabel("Status")).toBeVisible();
});

test("the plan lists steps to scan, and each opens to edit", async ({ page }) => {
  await openApp(page, "/plan");
  await page.getByLabel("What will you do?").fill("Ring the council");
  await page.getByRole("button", { name: "Add step" }).click();
  const step = page.locator("li.plan-step").filter({ hasText: "Ring the council" });
  await expect(step.locator(".step-meta")).toHaveText("To do");
  await expect(step.getByLabel("Status")).toBeHidden();
  await expect(step.getByLabel("Add a note")).toBeHidden();
  const edit = step.getByRole("button", { name: "Edit step: Ring the council" });
  await expect(edit).toHaveAttribute("aria-expanded", "false");
  await edit.click();
  const close = step.getByRole("button", { name: "Close step: Ring the council" });
  await expect(close).toHaveAttribute("aria-expanded", "true");
  await step.getByLabel("Status").selectOption({ label: "Waiting to hear back" });
  await expect(step.locator(".step-meta")).toHaveText("Waiting to hear back");
  await close.click();
  await expect(step.getByLabel("Status")).toBeHidden();
});

test("a very long word in a step or its note wraps inside the page", async ({ page }) => {
  await openApp(page, "/plan");
  const word = "x".repeat(200);
  await page.getByLabel("What will you do?").fill(`Ring ${word}`);
  await page.getByRole("button", { name: "Add step" }).click();
  const step = page.locator("li.plan-step").first();
  // (The step's words are cut at 200 characters.)
  await step.getByRole("button", { name: /^Edit step: Ring x+$/ }).click();
  await step.getByLabel("Add a note").fill(word.repeat(2));
  await step.getByRole("button", { name: "Add note" }).click();
  await expect(step.locator(".step-notes li")).toHaveCount(1);
  // Nothing is wider than the screen, so the bottom navigation stays where a finger expects it.
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(page.viewportSize()!.width);
  await expect(page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Plan" })).toBeInViewport();
});

test("the staying-well plan is editable, survives a reload, prints, and shows how to get back in", async ({ page }) => {
  await openApp(page, "/plan/staying-well");
  await page.getByLabel("What helped").fill("Walking in the morning. Talking to my sister.");
  await page.getByLabel("What helped").blur();
  await expect(page.getByRole("status").filter({ hasText: /^Saved:/ })).toBeVisible();
  await expect(page.getByRole("link", { name: "Refer yourself online" })).toHaveAttribute("href", /^https:\/\/www\.nhs\.uk\//);
  await page.reload();
  await waitForApp(page);
  await expect(page.getByLabel("What helped")).toHaveValue("Walking in the morning. Talking to my sister.");
  await page.emulateMedia({ media: "print" });
  await expect(page.getByText("Walking in the morning. Talking to my sister.").last()).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Sections" })).toBeHidden();
  const pdf = await page.pdf({ format: "A4" });
  expect(pdf.byteLength).toBeGreaterThan(1000);

  // The appointment summary carries the plan and the staying-well plan too.
  await page.emulateMedia({ media: "screen" });
  await openApp(page, "/plan");
  await page.getByLabel("What will you do?").fill("Ring the housing office");
  await page.getByRole("button", { name: "Add step" }).click();
  await openApp(page, "/data/summary");
  await expect(page.locator("section").filter({ has: page.getByRole("heading", { name: "Plan", exact: true }) })).toContainText("Ring the housing office: To do");
  await expect(page.locator("section").filter({ has: page.getByRole("heading", { name: "Staying-well plan" }) })).toContainText("Walking in the morning. Talking to my sister.");
});

test("words being typed in one part of the staying-well plan stay when another part is saved elsewhere", async ({ page, context }) => {
  await openApp(page, "/plan/staying-well");
  await page.getByLabel("What helped").fill("Walking in the morning");
  // Another tab saves a different part.
  const other = await context.newPage();
  await openApp(other, "/plan/staying-well");
  await other.getByLabel("People who support me").fill("My sister");
  await other.getByLabel("People who support me").blur();
  await expect(other.getByRole("status").filter({ hasText: "Saved: People who support me." })).toBeVisible();
  await expect(page.getByLabel("People who support me")).toHaveValue("My sister");
  await expect(page.getByLabel("What helped")).toHaveValue("Walking in the morning");
});

test("after therapy ends, Today shows continuing care, and points back to care when scores are at caseness", async ({ page }) => {
  await openApp(page, "/plan");
  // Therapy ended last week; scores taken today count as after discharge.
  const lastWeek = await page.evaluate(() => {
    const d = new Date(Date.now() - 7 * 86_400_000);
    const pad = (n: number) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  });
  await page.getByLabel("Therapy ended on").fill(lastWeek);
  await page.getByLabel("Therapy ended on").dispatchEvent("change");
  await page.getByRole("button", { name: "Save the date" }).click();
  await expect(page.getByText(/Your therapy ended on/)).toBeVisible();
  await page.goto("/");
  await waitForApp(page);
  const care = page.locator("section.continuing-care");
  await expect(care).toContainText("It is a good time for your PHQ-9 and GAD-7 check-in.");
  await expect(care.getByRole("link", { name: "Your staying-well plan" })).toBeVisible();

  // A check-in after discharge at caseness (PHQ-9 12).
  await answerQuestionnaires(page, ["Nearly every day", "Nearly every day", "Nearly every day", "Nearly every day", ...notAtAll(5)], notAtAll(7));
  await page.goto("/");
  await waitForApp(page);
  await expect(care.getByRole("status")).toContainText("caseness");
  // What follows the message is ways to get back in touch and a link to the plan, and the message says so.
  await expect(care.getByRole("status")).toContainText("Below are ways to get back in touch, and a link to your staying-well plan.");
  await expect(care.getByRole("link", { name: "Refer yourself online" })).toBeVisible();
});

test("the plan works offline, and axe finds nothing on the plan screens", async ({ page, context }) => {
  await openApp(page, "/plan/services");
  await waitForServiceWorker(page);
  await expect(page.locator("li.service").first()).toBeVisible();
  await context.setOffline(true);
  await addStepDebtAdvice(page);
  await page.goto("/plan");
  await waitForApp(page);
  await expect(page.locator("li.plan-step")).toHaveCount(1);
  await openStep(page, "Contact StepChange");
  // Notes, with their Remove buttons, are on the page axe checks.
  for (const note of ["Rang, no answer", "Left a message"]) {
    await page.getByLabel("Add a note").fill(note);
    await page.getByRole("button", { name: "Add note" }).click();
    await expect(page.locator(".step-notes li").filter({ hasText: note })).toHaveCount(1);
  }
  await page.goto("/plan/staying-well");
  await waitForApp(page);
  await context.setOffline(false);
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const path of ["/plan", "/plan/services", "/plan/staying-well"]) {
      await openApp(page, path);
      const results = await new AxeBuilder({ page }).withTags(wcag22aa).analyze();
      expect(results.violations.map((v) => `${scheme} ${path}: ${v.id}`)).toEqual([]);
    }
  }
  // And with a note just removed: the status and its Undo.
  await openApp(page, "/plan");
  await openStep(page, "Contact StepChange");
  await page.getByRole("button", { name: "Remove note: Rang, no answer" }).click();
  await expect(page.getByRole("button", { name: "Undo" })).toBeVisible();
  const results = await new AxeBuilder({ page }).withTags(wcag22aa).analyze();
  expect(results.violations.map((v) => `after removing a note: ${v.id}`)).toEqual([]);
});

test("a note on a step can be removed, and put back with Undo", async ({ page }) => {
  await openApp(page, "/plan");
  await page.getByLabel("What will you do?").fill("Ring the housing office");
  await page.getByRole("button", { name: "Add step" }).click();
  const step = page.locator("li.plan-step").filter({ hasText: "Ring the housing office" });
  await openStep(page, "Ring the housing office");
  for (const note of ["Left a message", "Wrote my neighbour's number here by mistake", "They will call back"]) {
    await step.getByLabel("Add a note").fill(note);
    await step.getByRole("button", { name: "Add note" }).click();
    await expect(step.locator(".step-notes li").filter({ hasText: note })).toHaveCount(1);
  }
  await step.getByRole("button", { name: "Remove note: Wrote my neighbour's number here by mistake" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Note removed from “Ring the housing office”." })).toBeVisible();
  await expect(step.locator(".step-notes li")).toHaveCount(2);
  // Undo puts it back in its place.
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(step.locator(".step-notes li")).toHaveText([/They will call back/, /by mistake/, /Left a message/]);
  await step.getByRole("button", { name: "Remove note: Wrote my neighbour's number here by mistake" }).click();
  await expect(step.locator(".step-notes li")).toHaveCount(2);
  // Gone for good after a reload, and nowhere in storage.
  await page.reload();
  await waitForApp(page);
  await expect(step.locator(".step-notes li")).toHaveText([/They will call back/, /Left a message/]);
  await openStep(page, "Ring the housing office");
  const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("waymark.rec.plan_step.")).map((k) => localStorage.getItem(k)).join(""));
  expect(stored).not.toContain("by mistake");
  expect(stored).toContain("Left a message");
  // Once the step itself is removed, its note cannot be put back: no Undo is left offering to.
  await step.getByRole("button", { name: "Remove note: Left a message" }).click();
  await expect(page.getByRole("button", { name: "Undo" })).toBeVisible();
  await step.getByRole("button", { name: "Remove step: Ring the housing office" }).click();
  await expect(page.locator("li.plan-step")).toHaveCount(0);
  // One Undo is left, and it is for the step.
  await expect(page.getByRole("button", { name: "Undo" })).toHaveCount(1);
  await expect(page.getByRole("status").filter({ hasText: "Step removed: “Ring the housing office”" })).toBeVisible();
});
