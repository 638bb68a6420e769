import { defineConfig } from "@playwright/test";
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";
import { tmpdir } from "node:os";

// Browser tests: Debian's Chromium (never a downloaded browser) against the release build served by the real server.
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const port = Number(process.env.WAYMARK_TEST_PORT ?? 4810);
export const baseURL = `http://127.0.0.1:${port}`;
// The sync server's store: a fresh one for every run, which the server creates (scripts/test points TMPDIR at a
// folder of its own that it removes afterwards).
const dataDir = join(tmpdir(), `waymark-sync-${port}-${process.pid}`);
// The release server scripts/test built: under CARGO_TARGET_DIR when set (a relative one is taken from the repository,
// where scripts/setup.sh runs cargo), else target/.
export const serverBinary = resolve(root, process.env.CARGO_TARGET_DIR ?? "target", "release", "waymark-server");

export const chromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export default defineConfig({
  testDir: ".",
  outputDir: resolve(root, "test-results"),
  timeout: 45_000,
  expect: { timeout: 10_000 },
  workers: 2,
  forbidOnly: true,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL,
    browserName: "chromium",
    headless: true,
    launchOptions: { executablePath: "/usr/bin/chromium", args: chromiumArgs },
    isMobile: true,
    hasTouch: true,
    serviceWorkers: "allow",
    trace: "off",
  },
  projects: [
    { name: "phone 390", use: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 } },
    { name: "narrow 320", use: { viewport: { width: 320, height: 640 }, deviceScaleFactor: 2 } },
  ],
  webServer: {
    // Behind a (pretend) proxy: the sync tests give each simulated person an address of their own in
    // X-Forwarded-For (sync.spec.ts), as people on different networks have, so that the server's real per-address
    // limits (5 new spaces in 2 minutes) apply to each; requests without the header count by their own address.
    command: `"${serverBinary}" --dist "${root}/dist" --addr 127.0.0.1:${port} --data-dir "${dataDir}" --behind-proxy`,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "ignore",
    timeout: 30_000,
  },
});
