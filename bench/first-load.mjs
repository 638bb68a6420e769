#!/usr/bin/env node
// Waymark first-load benchmark (a benchmark, not a test).
//
//   npm ci --prefix bench                      # once; installs lighthouse 12.8.2
//   node bench/first-load.mjs http://127.0.0.1:8080/ [--runs N] [--no-lighthouse]
//
// 1. Bytes of the first load: fetches the page, finds what its first load
//    downloads (stylesheets, module preloads, preloads, icons, manifest, script
//    srcs, the JS/wasm named in inline module scripts, the manifest's icons) and
//    requests each asset with Accept-Encoding br, gzip and identity, counting the
//    response body bytes exactly as sent (node:http does not decompress).
// 2. Lighthouse 12.8.2, mobile form factor, simulated throttling, N runs (3),
//    medians of the scores and metrics.
// 3. Human-readable report on stdout; full results as JSON in
//    bench/results/first-load-<timestamp>.json (plus each Lighthouse report).
//
// Units: bytes, and kB = 1000 bytes. Budget: first load <= 130 kB = 130,000
// bytes brotli; Lighthouse performance >= 98, accessibility = 100, best
// practices = 100 (medians). Exits 0 whether budgets are met or not; exits 2
// only when something could not be measured (server unreachable, Lighthouse
// failed in every run, bad arguments).
//
// Installs nothing and talks only to the URL given (refused unless it is a
// loopback address, pass --allow-non-loopback to override).

import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = path.join(BENCH_DIR, 'results');
const LIGHTHOUSE_VERSION = '12.8.2';
const LIGHTHOUSE_BIN = path.join(BENCH_DIR, 'node_modules', '.bin', 'lighthouse');
const DEFAULT_CHROME = '/usr/bin/chromium';
const CHROME_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const CATEGORIES = ['performance', 'accessibility', 'best-practices'];
const METRICS = [
  // [audit id, label, unit]
  ['first-contentful-paint', 'FCP', 'ms'],
  ['largest-contentful-paint', 'LCP', 'ms'],
  ['total-blocking-time', 'TBT', 'ms'],
  ['cumulative-layout-shift', 'CLS', ''],
  ['speed-index', 'Speed Index', 'ms'],
];
const KB = 1000; // kB = 1000 bytes throughout
const BUDGET_FIRST_LOAD_BROTLI = 130 * KB;
const BUDGET_SCORES = { performance: 98, accessibility: 100, 'best-practices': 100 };
const KINDS = ['HTML', 'JS', 'wasm', 'CSS', 'manifest', 'icons', 'other'];
const ENCODINGS = [
  // [key, Accept-Encoding sent, column label]
  ['identity', 'identity', 'raw'],
  ['gzip', 'gzip', 'gzip'],
  ['br', 'br', 'brotli'],
];
const HTTP_TIMEOUT_MS = 30_000;
const LIGHTHOUSE_TIMEOUT_MS = 240_000;

// ---------------------------------------------------------------- arguments

function usage(msg) {
  if (msg) console.error(`first-load: ${msg}`);
  console.error(
    'usage: node bench/first-load.mjs URL [--runs N] [--no-lighthouse] [--allow-non-loopback]\n' +
      '  e.g. node bench/first-load.mjs http://127.0.0.1:8080/',
  );
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { url: null, runs: 3, lighthouse: true, allowNonLoopback: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') opts.runs = Number(argv[++i]);
    else if (a.startsWith('--runs=')) opts.runs = Number(a.slice(7));
    else if (a === '--no-lighthouse') opts.lighthouse = false;
    else if (a === '--allow-non-loopback') opts.allowNonLoopback = true;
    else if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else if (!opts.url) opts.url = a;
    else usage(`unexpected argument ${a}`);
  }
  if (!opts.url) usage('missing URL');
  if (!Number.isInteger(opts.runs) || opts.runs < 1 || opts.runs > 15) usage('--runs must be 1..15');
  let u;
  try {
    u = new URL(opts.url);
  } catch {
    usage(`not a URL: ${opts.url}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') usage('URL must be http(s)');
  if (!opts.allowNonLoopback && !isLoopback(u.hostname)) {
    usage(`${u.hostname} is not a loopback address (use --allow-non-loopback to override)`);
  }
  opts.url = u.href;
  return opts;
}

function isLoopback(host) {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

// ---------------------------------------------------------------- HTTP

/** GET url with the given Accept-Encoding; body bytes are counted as received (not decoded). */
function getRaw(url, acceptEncoding, redirectsLeft = 5) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const started = process.hrtime.bigint();
    const req = mod.get(
      u,
      {
        headers: {
          'accept-encoding': acceptEncoding,
          accept: '*/*',
          'user-agent': 'waymark-first-load-bench',
          'cache-control': 'no-cache',
        },
        timeout: HTTP_TIMEOUT_MS,
      },
      (res) => {
        if ([301, 302, 303, 307, 308].includes(res.statusCode) && res.headers.location) {
          res.resume();
          if (redirectsLeft <= 0) return reject(new Error(`too many redirects at ${url}`));
          const next = new URL(res.headers.location, u).href;
          return getRaw(next, acceptEncoding, redirectsLeft - 1).then(
            (r) => resolve({ ...r, redirectedFrom: url }),
            reject,
          );
        }
        const chunks = [];
        let bytes = 0;
        res.on('data', (c) => {
          chunks.push(c);
          bytes += c.length;
        });
        res.on('end', () =>
          resolve({
            url,
            status: res.statusCode,
            headers: res.headers,
            bytes,
            body: Buffer.concat(chunks),
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${HTTP_TIMEOUT_MS} ms: ${url}`)));
    req.on('error', reject);
  });
}

// ---------------------------------------------------------------- HTML parsing

function parseAttrs(s) {
  const attrs = {};
  const re = /([^\s"'<>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  let m;
  while ((m = re.exec(s))) attrs[m[1].toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  return attrs;
}

function decodeEntities(s) {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

const LINK_RELS = new Map([
  ['stylesheet', 'CSS'],
  ['modulepreload', null], // kind from the URL / content type
  ['preload', null],
  ['icon', 'icons'],
  ['apple-touch-icon', 'icons'],
  ['apple-touch-icon-precomposed', 'icons'],
  ['manifest', 'manifest'],
]);

/** What the first load of this HTML downloads: [{url, via, kind|null}] (deduplicated, in order). */
function findAssets(html, baseUrl) {
  const out = [];
  const seen = new Set();
  const add = (href, via, kind) => {
    if (!href) return;
    let abs;
    try {
      abs = new URL(href, baseUrl);
    } catch {
      return;
    }
    if (abs.protocol !== 'http:' && abs.protocol !== 'https:') return; // data:, blob:, ...
    abs.hash = '';
    if (seen.has(abs.href)) return;
    seen.add(abs.href);
    out.push({ url: abs.href, via, kind });
  };
  const doc = html.replace(/<!--[\s\S]*?-->/g, '');
  const baseTag = /<base\b([^>]*)>/i.exec(doc);
  if (baseTag) {
    const href = parseAttrs(baseTag[1]).href;
    if (href) baseUrl = new URL(href, baseUrl).href;
  }
  // <link> and <script> in document order
  const tagRe = /<link\b([^>]*)>|<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi;
  let m;
  while ((m = tagRe.exec(doc))) {
    if (m[1] !== undefined) {
      const a = parseAttrs(m[1]);
      const rels = (a.rel || '').toLowerCase().split(/\s+/).filter(Boolean);
      const rel = rels.find((r) => LINK_RELS.has(r));
      if (rel) add(a.href, `link rel=${rel}${a.as ? ` as=${a.as}` : ''}`, LINK_RELS.get(rel));
    } else {
      const a = parseAttrs(m[2]);
      if (a.src) {
        add(a.src, `script src${a.type ? ` type=${a.type}` : ''}`, null);
      } else if ((a.type || '').toLowerCase() === 'module') {
        // Trunk's loader: import init, * as bindings from '/waymark-<hash>.js';
        //                 await init({ module_or_path: '/waymark-<hash>_bg.wasm' });
        const lit = /(["'`])([^"'`\s]+?\.(?:m?js|wasm)(?:\?[^"'`\s]*)?)\1/g;
        let s;
        while ((s = lit.exec(m[3]))) add(s[2], 'inline module script', null);
      }
    }
  }
  return { assets: out, baseUrl };
}

function kindOf(asset, contentType) {
  if (asset.kind) return asset.kind;
  const p = new URL(asset.url).pathname.toLowerCase();
  const ct = (contentType || '').toLowerCase();
  if (p.endsWith('.wasm') || ct.includes('application/wasm')) return 'wasm';
  if (/\.m?js$/.test(p) || ct.includes('javascript')) return 'JS';
  if (p.endsWith('.css') || ct.includes('text/css')) return 'CSS';
  if (p.endsWith('.webmanifest') || ct.includes('manifest+json')) return 'manifest';
  if (ct.startsWith('text/html')) return 'HTML';
  if (ct.startsWith('image/') || /\.(png|svg|ico|webp|avif|jpe?g|gif)$/.test(p)) return 'icons';
  return 'other';
}

const COMPRESSIBLE = /^(text\/|application\/(javascript|json|manifest\+json|wasm|xml)|image\/svg\+xml)/i;

// ---------------------------------------------------------------- part 1

async function measureBytes(pageUrl) {
  const problems = [];
  const doc = await getRaw(pageUrl, 'identity');
  if (doc.status !== 200) throw new Error(`GET ${pageUrl} returned HTTP ${doc.status}`);
  const html = doc.body.toString('utf8');
  const { assets: found, baseUrl } = findAssets(html, doc.url);
  const list = [{ url: doc.url, via: 'document', kind: 'HTML' }, ...found];

  // The manifest's icons.
  const manifest = list.find((a) => a.kind === 'manifest');
  if (manifest) {
    try {
      const r = await getRaw(manifest.url, 'identity');
      if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
      const json = JSON.parse(r.body.toString('utf8'));
      for (const icon of Array.isArray(json.icons) ? json.icons : []) {
        if (!icon || typeof icon.src !== 'string') continue;
        const abs = new URL(icon.src, r.url).href;
        if (list.some((a) => a.url === abs)) continue;
        list.push({
          url: abs,
          via: `manifest icon ${icon.sizes || ''}${icon.purpose ? ` ${icon.purpose}` : ''}`.trim(),
          kind: 'icons',
        });
      }
    } catch (e) {
      problems.push(`could not read the manifest ${manifest.url}: ${e.message}`);
    }
  } else {
    problems.push('no <link rel=manifest> in the page');
  }

  const rows = [];
  for (const asset of list) {
    const row = { url: asset.url, path: displayPath(asset.url, pageUrl), via: asset.via };
    const notes = [];
    for (const [key, ae] of ENCODINGS) {
      try {
        const r = await getRaw(asset.url, ae);
        row[key] = {
          status: r.status,
          bytes: r.bytes,
          contentEncoding: r.headers['content-encoding'] || 'identity',
          contentLength: r.headers['content-length'] != null ? Number(r.headers['content-length']) : null,
          contentType: r.headers['content-type'] || null,
          cacheControl: r.headers['cache-control'] || null,
          vary: r.headers.vary || null,
          ms: Math.round(r.ms * 10) / 10,
        };
      } catch (e) {
        row[key] = { error: e.message, bytes: 0 };
      }
    }
    row.contentType = row.identity.contentType ?? row.br.contentType ?? null;
    row.kind = kindOf(asset, row.contentType);
    const statuses = ENCODINGS.map(([key]) => row[key].error ?? `HTTP ${row[key].status}`);
    if (statuses.some((x) => x !== 'HTTP 200')) {
      notes.push(
        new Set(statuses).size === 1
          ? statuses[0]
          : ENCODINGS.map(([key], i) => `${key}: ${statuses[i]}`).join(', '),
      );
    }
    if (COMPRESSIBLE.test(row.contentType || '')) {
      const wrong = ENCODINGS.filter(
        ([key]) => key !== 'identity' && row[key].status === 200 && row[key].contentEncoding !== key,
      ).map(([key]) => `asked for ${key}, got ${row[key].contentEncoding}`);
      if (wrong.length) notes.push(`${wrong.join('; ')} (${row.contentType})`);
    }
    if (row.identity.status === 200 && row.identity.contentEncoding !== 'identity') {
      notes.push(`asked for identity, got ${row.identity.contentEncoding}`);
    }
    for (const n of notes) problems.push(`${row.path}: ${n}`);
    rows.push(row);
  }

  const byKind = {};
  for (const k of KINDS) byKind[k] = { count: 0, identity: 0, gzip: 0, br: 0 };
  const total = { count: 0, identity: 0, gzip: 0, br: 0 };
  for (const r of rows) {
    for (const t of [byKind[r.kind], total]) {
      t.count++;
      for (const [key] of ENCODINGS) t[key] += r[key].status === 200 ? r[key].bytes : 0;
    }
  }
  // An asset that could not be fetched makes the total meaningless (and the page broken).
  const failed = rows.filter((r) => r.br.status !== 200).map((r) => r.path);
  const budget = {
    name: 'first load brotli bytes',
    limitBytes: BUDGET_FIRST_LOAD_BROTLI,
    valueBytes: total.br,
    failedAssets: failed,
    pass: total.br <= BUDGET_FIRST_LOAD_BROTLI && failed.length === 0,
  };
  return { pageUrl: doc.url, baseUrl, assets: rows, byKind, total, budget, problems };
}

function displayPath(url, pageUrl) {
  const u = new URL(url);
  const p = new URL(pageUrl);
  return u.origin === p.origin ? u.pathname + u.search : u.href;
}

// ---------------------------------------------------------------- part 2

function lighthouseInstalledVersion() {
  try {
    const pkg = JSON.parse(
      fs.readFileSync(path.join(BENCH_DIR, 'node_modules', 'lighthouse', 'package.json'), 'utf8'),
    );
    return pkg.version;
  } catch {
    return null;
  }
}

/** PIDs of live processes whose command line mentions `needle` (our unique temp dir). */
function pidsMentioning(needle) {
  const pids = [];
  let entries = [];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8');
      if (cmd.includes(needle)) pids.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return pids;
}

const tempDirs = new Set();
let chromiumTmpBefore = null;

function chromiumTmpLeftovers() {
  try {
    return fs
      .readdirSync('/tmp')
      .filter((n) => n.startsWith('org.chromium.Chromium.'))
      .map((n) => path.join('/tmp', n));
  } catch {
    return [];
  }
}

/** Kill any Chrome of ours still alive, remove our temp dirs and the Chromium temp dirs made meanwhile. */
function cleanup() {
  const removed = [];
  for (const dir of tempDirs) {
    for (const pid of pidsMentioning(dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    tempDirs.delete(dir);
  }
  // Chromium is started with TMPDIR inside our temp dir, so its org.chromium.Chromium.*
  // dirs normally go there. Any that still appeared in /tmp during this run are removed too
  // (only ones that did not exist before we started, so another user's Chrome is left alone).
  if (chromiumTmpBefore) {
    for (const p of chromiumTmpLeftovers()) {
      if (!chromiumTmpBefore.has(p)) {
        fs.rmSync(p, { recursive: true, force: true });
        removed.push(p);
      }
    }
  }
  return removed;
}

function runProcess(cmd, args, { env, timeoutMs, logFile }) {
  return new Promise((resolve) => {
    const log = fs.openSync(logFile, 'w');
    const child = spawn(cmd, args, { env, stdio: ['ignore', log, log], detached: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      fs.closeSync(log);
      resolve({ code: null, error: e.message, timedOut });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      fs.closeSync(log);
      resolve({ code, signal, timedOut });
    });
  });
}

async function lighthouseRun(url, index, stamp, chromePath) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-lh-'));
  tempDirs.add(tmp);
  if (/\s/.test(tmp)) throw new Error(`temp dir ${tmp} has whitespace, which --chrome-flags cannot carry: set TMPDIR`);
  const profile = path.join(tmp, 'profile');
  const outBase = path.join(RESULTS_DIR, `first-load-${stamp}-lh${index}`);
  const logFile = path.join(tmp, 'lighthouse.log');
  const args = [
    LIGHTHOUSE_BIN,
    url,
    `--only-categories=${CATEGORIES.join(',')}`,
    '--output=json',
    '--output=html',
    `--output-path=${outBase}`,
    `--chrome-flags=${[...CHROME_FLAGS, `--user-data-dir=${profile}`].join(' ')}`,
  ];
  // Chrome is SIGKILLed at the end of a run, so it cannot tidy up after itself: point its
  // temp and cache dirs (org.chromium.Chromium.*, ~/.cache/chromium-headless/scoped_dir*)
  // into this run's temp dir, which is removed afterwards.
  const env = {
    ...process.env,
    CHROME_PATH: chromePath,
    TMPDIR: tmp,
    XDG_CACHE_HOME: path.join(tmp, 'cache'),
    XDG_CONFIG_HOME: path.join(tmp, 'config'),
  };
  const started = Date.now();
  const res = await runProcess(process.execPath, args, { env, timeoutMs: LIGHTHOUSE_TIMEOUT_MS, logFile });
  const run = {
    index,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    reportJson: `${outBase}.report.json`,
    reportHtml: `${outBase}.report.html`,
  };
  let logTail = '';
  try {
    const lines = fs.readFileSync(logFile, 'utf8').trim().split('\n');
    const errors = lines.filter((l) => /Runtime error|Error:|ERROR|Unable to/i.test(l) && !/LH:status/.test(l));
    logTail = (errors.length ? errors.slice(-5) : lines.slice(-8)).join('\n');
  } catch {
    /* no log */
  }
  cleanup();
  if (res.timedOut) return { ...run, error: `timed out after ${LIGHTHOUSE_TIMEOUT_MS / 1000} s`, logTail };
  if (res.code !== 0) return { ...run, error: `lighthouse exited with ${res.code ?? res.signal ?? res.error}`, logTail };
  let lhr;
  try {
    lhr = JSON.parse(fs.readFileSync(run.reportJson, 'utf8'));
  } catch (e) {
    return { ...run, error: `no report: ${e.message}`, logTail };
  }
  return { ...run, ...summariseLhr(lhr) };
}

function summariseLhr(lhr) {
  const scores = {};
  for (const c of CATEGORIES) {
    const s = lhr.categories[c]?.score;
    scores[c] = typeof s === 'number' ? Math.round(s * 100) : null;
  }
  const metrics = {};
  for (const [id] of METRICS) {
    const v = lhr.audits[id]?.numericValue;
    metrics[id] = typeof v === 'number' ? v : null;
  }
  const failing = {};
  for (const c of ['accessibility', 'best-practices']) {
    failing[c] = [];
    for (const ref of lhr.categories[c]?.auditRefs ?? []) {
      const a = lhr.audits[ref.id];
      if (!a) continue;
      const bad =
        a.scoreDisplayMode === 'error' ||
        (['binary', 'numeric', 'metricSavings'].includes(a.scoreDisplayMode) && a.score !== null && a.score < 1);
      if (bad) {
        failing[c].push({
          id: ref.id,
          title: a.title,
          weight: ref.weight,
          score: a.score,
          mode: a.scoreDisplayMode,
          errorMessage: a.errorMessage,
          items: auditItems(a),
        });
      }
    }
  }
  const opportunities = [];
  const diagnostics = [];
  for (const ref of lhr.categories.performance?.auditRefs ?? []) {
    if (ref.group === 'metrics' || ref.group === 'hidden') continue;
    const a = lhr.audits[ref.id];
    if (!a || a.score === null || a.score >= 1) continue;
    if (['notApplicable', 'informative', 'manual'].includes(a.scoreDisplayMode)) continue;
    const savingsMs = Math.max(
      a.details?.overallSavingsMs ?? 0,
      ...Object.values(a.metricSavings ?? {}).filter((v) => typeof v === 'number'),
    );
    const savingsBytes = a.details?.overallSavingsBytes ?? 0;
    const item = {
      id: ref.id,
      title: a.title,
      score: a.score,
      displayValue: a.displayValue ?? '',
      savingsMs: Math.round(savingsMs),
      savingsBytes: Math.round(savingsBytes),
    };
    if (a.details?.type === 'opportunity' && (savingsMs > 0 || savingsBytes > 0)) opportunities.push(item);
    else if (a.score < 0.9) diagnostics.push(item);
  }
  opportunities.sort((x, y) => y.savingsMs - x.savingsMs || y.savingsBytes - x.savingsBytes);
  diagnostics.sort((x, y) => y.savingsMs - x.savingsMs || x.score - y.score);
  return {
    lighthouseVersion: lhr.lighthouseVersion,
    finalUrl: lhr.finalDisplayedUrl ?? lhr.finalUrl,
    hostUserAgent: lhr.environment?.hostUserAgent,
    benchmarkIndex: lhr.environment?.benchmarkIndex,
    formFactor: lhr.configSettings?.formFactor,
    throttlingMethod: lhr.configSettings?.throttlingMethod,
    runtimeError: lhr.runtimeError ?? null,
    runWarnings: lhr.runWarnings ?? [],
    scores,
    metrics,
    failing,
    opportunities,
    diagnostics,
  };
}

/** Up to 3 short hints of where an audit failed (element, console message, URL). */
function auditItems(a) {
  const items = Array.isArray(a.details?.items) ? a.details.items : [];
  const out = [];
  for (const it of items.slice(0, 3)) {
    const node = it.node ?? it.element ?? null;
    const where = it.sourceLocation?.url ? ` (${it.sourceLocation.url})` : '';
    let text =
      (node && (node.snippet || node.selector)) ||
      (it.description && `${it.description}${where}`) ||
      (typeof it.source === 'object' ? it.source?.url : it.source) ||
      it.url ||
      '';
    text = String(text).replace(/\s+/g, ' ').trim();
    if (text) out.push(text.length > 160 ? `${text.slice(0, 157)}...` : text);
  }
  if (items.length > 3) out.push(`... ${items.length - 3} more`);
  return out;
}

function median(values) {
  const v = values.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  if (!v.length) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

async function measureLighthouse(url, runsWanted, stamp) {
  const installed = lighthouseInstalledVersion();
  if (!installed) throw new Error(`lighthouse is not installed: run \`npm ci --prefix bench\` first`);
  if (installed !== LIGHTHOUSE_VERSION) {
    throw new Error(`bench/node_modules has lighthouse ${installed}, expected ${LIGHTHOUSE_VERSION}: run \`npm ci --prefix bench\``);
  }
  const chromePath = process.env.CHROME_PATH || DEFAULT_CHROME;
  if (!fs.existsSync(chromePath)) throw new Error(`no Chrome at ${chromePath} (set CHROME_PATH)`);

  const runs = [];
  for (let i = 1; i <= runsWanted; i++) {
    process.stderr.write(`lighthouse run ${i}/${runsWanted}... `);
    const r = await lighthouseRun(url, i, stamp, chromePath);
    process.stderr.write(r.error ? `failed: ${r.error}\n` : `done in ${r.seconds} s\n`);
    runs.push(r);
  }
  const ok = runs.filter((r) => !r.error && !r.runtimeError);
  const med = { scores: {}, metrics: {} };
  for (const c of CATEGORIES) med.scores[c] = median(ok.map((r) => r.scores[c]));
  for (const [id] of METRICS) med.metrics[id] = median(ok.map((r) => r.metrics[id]));

  // The run whose performance score is the median (ties: the one with the median LCP) gives
  // the opportunities; failing a11y / best-practices audits are the union over runs.
  let medianRun = null;
  if (ok.length) {
    const sorted = [...ok].sort(
      (a, b) =>
        (a.scores.performance ?? 0) - (b.scores.performance ?? 0) ||
        (b.metrics['largest-contentful-paint'] ?? 0) - (a.metrics['largest-contentful-paint'] ?? 0),
    );
    medianRun = sorted[Math.floor((sorted.length - 1) / 2)];
  }
  // Keep every run's JSON report but only the median run's HTML report (about 1 MB each).
  for (const r of runs) {
    if (r !== medianRun && r.reportHtml) {
      fs.rmSync(r.reportHtml, { force: true });
      r.reportHtml = null;
    }
  }
  const failing = {};
  for (const c of ['accessibility', 'best-practices']) {
    const m = new Map();
    for (const r of ok) {
      for (const f of r.failing[c]) {
        const e = m.get(f.id) ?? { ...f, runs: 0 };
        e.runs++;
        m.set(f.id, e);
      }
    }
    failing[c] = [...m.values()].sort((a, b) => b.weight - a.weight || a.id.localeCompare(b.id));
  }
  const budgets = CATEGORIES.map((c) => ({
    name: `lighthouse ${c}`,
    limit: BUDGET_SCORES[c],
    value: med.scores[c],
    pass: med.scores[c] !== null && med.scores[c] >= BUDGET_SCORES[c],
  }));
  return {
    version: installed,
    chromePath,
    chromeFlags: [...CHROME_FLAGS, '--user-data-dir=<fresh temp dir per run>'],
    formFactor: 'mobile',
    throttling: 'simulated (Lighthouse default)',
    categories: CATEGORIES,
    runsWanted,
    runsOk: ok.length,
    runs,
    median: med,
    medianRun: medianRun?.index ?? null,
    failing,
    opportunities: medianRun?.opportunities ?? [],
    diagnostics: medianRun?.diagnostics ?? [],
    budgets,
  };
}

// ---------------------------------------------------------------- output

const nf = new Intl.NumberFormat('en-GB');
const fmtBytes = (n) => nf.format(n);
const fmtKB = (n) => `${(n / KB).toFixed(1)} kB`;
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
const passFail = (ok) => (ok ? 'PASS' : 'FAIL');

function fmtMetric(id, v) {
  if (v === null || v === undefined) return '-';
  return id === 'cumulative-layout-shift' ? v.toFixed(3) : String(Math.round(v));
}

function printBytes(b) {
  console.log('1. Bytes of the first load');
  console.log('   Response bodies as sent by the server (not decoded; headers not counted),');
  console.log('   Accept-Encoding identity / gzip / br. kB = 1000 bytes.');
  console.log('');
  const w = Math.max(28, ...b.assets.map((r) => r.path.length)) + 2;
  const cell = (r, key) => {
    const x = r[key];
    if (x.error) return 'error';
    if (x.status !== 200) return `HTTP ${x.status}`;
    const mark = key !== 'identity' && x.contentEncoding !== key && COMPRESSIBLE.test(r.contentType || '') ? '*' : ' ';
    return fmtBytes(x.bytes) + mark;
  };
  console.log(`   ${pad('asset', w)}${pad('kind', 10)}${lpad('raw', 11)}${lpad('gzip', 11)}${lpad('brotli', 11)}  found via`);
  for (const r of b.assets) {
    console.log(
      `   ${pad(r.path, w)}${pad(r.kind, 10)}${lpad(cell(r, 'identity'), 11)}${lpad(cell(r, 'gzip'), 11)}${lpad(cell(r, 'br'), 11)}  ${r.via}`,
    );
  }
  console.log('   (* = compressible, but the server did not use the requested encoding)');
  console.log('');
  const row = (label, t) =>
    `   ${pad(label, 12)}${lpad(t.count, 6)}${lpad(fmtBytes(t.identity), 12)}${lpad(fmtKB(t.identity), 11)}` +
    `${lpad(fmtBytes(t.gzip), 12)}${lpad(fmtKB(t.gzip), 11)}${lpad(fmtBytes(t.br), 12)}${lpad(fmtKB(t.br), 11)}`;
  console.log(`   ${pad('by kind', 12)}${lpad('files', 6)}${lpad('raw bytes', 12)}${lpad('raw', 11)}${lpad('gzip bytes', 12)}${lpad('gzip', 11)}${lpad('br bytes', 12)}${lpad('brotli', 11)}`);
  for (const k of KINDS) if (b.byKind[k].count) console.log(row(k, b.byKind[k]));
  console.log(row('TOTAL', b.total));
  console.log('');
  if (b.problems.length) {
    console.log('   Notes:');
    for (const p of b.problems) console.log(`   - ${p}`);
    console.log('');
  }
  console.log(
    `   ${passFail(b.budget.pass)}  first load (brotli) ${fmtBytes(b.budget.valueBytes)} bytes = ${fmtKB(b.budget.valueBytes)}` +
      `  (budget <= 130 kB = ${fmtBytes(b.budget.limitBytes)} bytes)` +
      (b.budget.failedAssets.length ? `, but ${b.budget.failedAssets.length} asset(s) failed to load` : ''),
  );
  console.log('');
}

function printLighthouse(lh) {
  const ua = lh.runs.find((r) => r.hostUserAgent)?.hostUserAgent ?? '';
  const chrome = /HeadlessChrome\/[\d.]+|Chrome\/[\d.]+/.exec(ua)?.[0] ?? lh.chromePath;
  console.log(`   ${lh.runsOk}/${lh.runsWanted} runs ok, ${chrome}, medians over the runs that worked`);
  console.log('');
  const runCols = lh.runs.map((r) => `run ${r.index}`);
  console.log(`   ${pad('', 18)}${runCols.map((c) => lpad(c, 9)).join('')}${lpad('median', 9)}`);
  const line = (label, get, medVal) =>
    console.log(`   ${pad(label, 18)}${lh.runs.map((r) => lpad(r.error ? 'err' : get(r), 9)).join('')}${lpad(medVal, 9)}`);
  for (const c of CATEGORIES) line(c, (r) => r.scores[c] ?? '-', lh.median.scores[c] ?? '-');
  for (const [id, label, unit] of METRICS) {
    line(`${label}${unit ? ` (${unit})` : ''}`, (r) => fmtMetric(id, r.metrics[id]), fmtMetric(id, lh.median.metrics[id]));
  }
  console.log('');
  for (const r of lh.runs) {
    if (r.error) {
      console.log(`   run ${r.index} failed: ${r.error}`);
      if (r.logTail) console.log(r.logTail.replace(/^/gm, '     | '));
    } else if (r.runtimeError) {
      console.log(`   run ${r.index} runtime error: ${r.runtimeError.code} ${r.runtimeError.message}`);
    }
    for (const w of r.runWarnings ?? []) console.log(`   run ${r.index} warning: ${w}`);
  }
  for (const b of lh.budgets) {
    const op = b.limit === 100 ? '=' : '>=';
    console.log(`   ${passFail(b.pass)}  ${pad(b.name.replace('lighthouse ', ''), 15)} ${lpad(b.value ?? '-', 3)}  (budget ${op} ${b.limit})`);
  }
  console.log('');
  if (!lh.runsOk) return;
  for (const c of ['accessibility', 'best-practices']) {
    const f = lh.failing[c];
    console.log(`   Failing ${c} audits:${f.length ? '' : ' none'}`);
    for (const a of f) {
      console.log(`   - ${a.id} (weight ${a.weight}, ${a.runs}/${lh.runsOk} runs): ${a.title}${a.errorMessage ? ` [error: ${a.errorMessage}]` : ''}`);
      for (const it of a.items ?? []) console.log(`       ${it}`);
    }
  }
  console.log('');
  console.log(`   Top performance opportunities (run ${lh.medianRun ?? '-'}, the median run):${lh.opportunities.length ? '' : ' none'}`);
  for (const o of lh.opportunities.slice(0, 5)) {
    const s = [o.savingsMs ? `~${o.savingsMs} ms` : '', o.savingsBytes ? `~${fmtKB(o.savingsBytes)}` : ''].filter(Boolean).join(', ');
    console.log(`   - ${o.id}: ${o.title}${s ? ` (saves ${s})` : ''}`);
  }
  if (lh.diagnostics.length) {
    console.log('   Performance diagnostics scoring below 90:');
    for (const d of lh.diagnostics.slice(0, 5)) console.log(`   - ${d.id}: ${d.title}${d.displayValue ? ` (${d.displayValue})` : ''}`);
  }
  console.log('');
  const med = lh.runs.find((r) => r.index === lh.medianRun);
  if (med?.reportHtml) console.log(`   Report of the median run: ${path.relative(process.cwd(), med.reportHtml)}`);
  console.log('');
}

// ---------------------------------------------------------------- main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const now = new Date();
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  chromiumTmpBefore = new Set(chromiumTmpLeftovers());
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      process.stderr.write(`\nfirst-load: ${sig}, cleaning up\n`);
      cleanup();
      process.exit(130);
    });
  }

  console.log('Waymark first-load benchmark');
  console.log(`URL: ${opts.url}`);
  console.log(`Time: ${now.toISOString()}  node ${process.version}  ${os.cpus().length} CPUs`);
  console.log('');

  const results = {
    tool: 'bench/first-load.mjs',
    url: opts.url,
    timestamp: now.toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    units: { bytes: 'bytes', kB: 1000 },
    bytes: null,
    lighthouse: null,
    errors: [],
    budgets: [],
  };

  let unmeasured = 0;
  try {
    results.bytes = await measureBytes(opts.url);
    printBytes(results.bytes);
    const b = results.bytes.budget;
    results.budgets.push({ name: 'first load brotli bytes', limit: b.limitBytes, value: b.valueBytes, pass: b.pass });
  } catch (e) {
    results.errors.push(`bytes: ${e.message}`);
    console.log(`1. Bytes of the first load: ERROR ${e.message}\n`);
    results.budgets.push({ name: 'first load brotli bytes', limit: BUDGET_FIRST_LOAD_BROTLI, value: null, pass: false });
    unmeasured++;
  }

  if (opts.lighthouse && results.bytes === null) {
    console.log('2. Lighthouse: skipped, the page could not be fetched\n');
    for (const c of CATEGORIES) results.budgets.push({ name: `lighthouse ${c}`, limit: BUDGET_SCORES[c], value: null, pass: false });
    unmeasured += CATEGORIES.length;
  } else if (opts.lighthouse) {
    console.log(`2. Lighthouse ${LIGHTHOUSE_VERSION}, mobile, simulated throttling, ${opts.runs} run(s)`);
    try {
      results.lighthouse = await measureLighthouse(opts.url, opts.runs, stamp);
      printLighthouse(results.lighthouse);
      results.budgets.push(...results.lighthouse.budgets);
      if (!results.lighthouse.runsOk) {
        results.errors.push('lighthouse: no run succeeded');
        unmeasured += CATEGORIES.length;
      }
    } catch (e) {
      results.errors.push(`lighthouse: ${e.message}`);
      console.log(`   ERROR ${e.message}\n`);
      for (const c of CATEGORIES) results.budgets.push({ name: `lighthouse ${c}`, limit: BUDGET_SCORES[c], value: null, pass: false });
      unmeasured += CATEGORIES.length;
    } finally {
      results.chromiumTmpRemoved = cleanup();
    }
  } else {
    console.log('2. Lighthouse: skipped (--no-lighthouse)\n');
  }

  const missed = results.budgets.filter((b) => !b.pass).length;
  results.missed = missed;
  const file = path.join(RESULTS_DIR, `first-load-${stamp}.json`);
  fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  console.log(`Results: ${path.relative(process.cwd(), file)}`);
  if (unmeasured) console.log(`ERROR: ${unmeasured} budget(s) could not be measured (counted as missed)`);
  console.log(missed ? `BUDGETS: ${missed} missed` : 'BUDGETS: all met');
  process.exitCode = unmeasured ? 2 : 0;
}

main().catch((e) => {
  cleanup();
  console.error(`first-load: ${e.stack || e.message}`);
  process.exit(2);
});
