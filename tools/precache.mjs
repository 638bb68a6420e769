// Trunk post-build hook: writes this build's file list into the service worker.
//
// Lists every file in Trunk's staging directory (except the worker itself) with its SHA-256 for Subresource
// Integrity, derives the cache version from all of them, and replaces the placeholders in sw.js.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) {
  console.error("precache: TRUNK_STAGING_DIR is not set (run me as a Trunk post_build hook)");
  process.exit(1);
}
const publicUrl = (process.env.TRUNK_PUBLIC_URL || "/").replace(/\/?$/, "/");

function* files(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

const entries = [];
for (const path of files(staging)) {
  const name = relative(staging, path).split(sep).join("/");
  if (name === "sw.js" || name.startsWith(".")) continue;
  const digest = createHash("sha256").update(readFileSync(path)).digest("base64");
  entries.push({ url: publicUrl + name, integrity: `sha256-${digest}` });
}
if (!entries.some((e) => e.url === `${publicUrl}index.html`)) {
  console.error("precache: index.html is not in the staging directory");
  process.exit(1);
}
const version = createHash("sha256").update(JSON.stringify(entries)).digest("hex").slice(0, 16);

const swPath = join(staging, "sw.js");
const template = readFileSync(swPath, "utf8");
if (!template.includes("__WAYMARK_PRECACHE__") || !template.includes("__WAYMARK_VERSION__")) {
  console.error("precache: sw.js has no placeholders to fill");
  process.exit(1);
}
writeFileSync(
  swPath,
  template.replace('"__WAYMARK_VERSION__"', JSON.stringify(version)).replace("__WAYMARK_PRECACHE__", JSON.stringify(entries, null, 2)),
);
console.log(`precache: ${entries.length} files, version ${version}`);
