import { expect, test } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { waitForApp, waitForServiceWorker } from "./app";
import { serverBinary } from "./playwright.config";

// Deploys a "new version" by serving a copy of the build whose service worker has changed, as a real deploy would.
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

async function startServer(dist: string, data: string, port: number): Promise<ChildProcess> {
  // Each test's server has its own sync store (two tests sharing one SQLite file can fail to start).
  const args = ["--dist", dist, "--addr", `127.0.0.1:${port}`, "--data-dir", data];
  const server = spawn(serverBinary, args, { stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return server;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  server.kill();
  throw new Error("server did not start");
}

async function stopServer(server: ChildProcess) {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((r) => server.once("exit", r));
  server.kill("SIGTERM");
  await exited;
}

test("a new version waits until the person chooses to reload", async ({ page }, testInfo) => {
  const port = 4830 + testInfo.parallelIndex;
  const dist = mkdtempSync(join(tmpdir(), "waymark-deploy-"));
  const data = mkdtempSync(join(tmpdir(), "waymark-deploy-data-"));
  cpSync(join(root, "dist"), dist, { recursive: true });
  let server = await startServer(dist, data, port);
  try {
    await page.goto(`http://127.0.0.1:${port}/mood`);
    await waitForApp(page);
    await waitForServiceWorker(page);
    const oldCaches = await page.evaluate(() => caches.keys());
    expect(oldCaches).toHaveLength(1);

    // Deploy: the worker's version changes.
    await stopServer(server);
    const sw = readFileSync(join(dist, "sw.js"), "utf8");
    const next = sw.replace(/const VERSION = "([0-9a-f]+)"/, 'const VERSION = "$1-next"');
    expect(next).not.toEqual(sw);
    writeFileSync(join(dist, "sw.js"), next);
    server = await startServer(dist, data, port);

    // Coming back to the app finds the new version; it installs and waits, and the page offers it.
    await page.reload();
    await waitForApp(page);
    const banner = page.getByRole("status").filter({ hasText: "A new version is ready." });
    await expect(banner).toBeVisible();
    // Until the person chooses, the old version keeps running from its own cache.
    expect(await page.evaluate(() => caches.keys())).toContain(oldCaches[0]);

    await Promise.all([page.waitForEvent("load"), banner.getByRole("button", { name: "Reload" }).click()]);
    await waitForApp(page);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Mood");
    await expect(page.getByText("A new version is ready.")).toHaveCount(0);
    await expect
      .poll(() => page.evaluate(() => caches.keys()))
      .toEqual([oldCaches[0].replace(/^(waymark-[0-9a-f]+)$/, "$1-next")]);
  } finally {
    await stopServer(server);
    rmSync(dist, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  }
});
