// Builds realistic local data for benchmarks: years of check-ins with notes and tags, and questionnaire pairs,
// in Waymark's stored form (one localStorage key per record). Deterministic: the same seed gives the same data.

function random(seed) {
  // mulberry32
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuid(next) {
  const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16));
  hex[12] = "4";
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const s = hex.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

const MOODS = ["very_low", "low", "okay", "good", "very_good"];
const TAGS = ["calm", "anxious", "sad", "hopeful", "tired", "slept well", "slept badly", "was active", "saw people", "walked the dog"];
const NOTES = [
  "Hard morning, better after a walk.",
  "Saw my sister. Felt lighter.",
  "Could not sleep, worried about the rent.",
  "Went to the group at the library.",
  "Quiet day at home.",
  "",
];

const KINDS = ["walking", "running", "cycling", "swimming", "dancing", "gardening", "strength", "yoga_or_stretching", "chair_based", "other"];
const INTENSITIES = ["light", "moderate", "vigorous"];

function isoDate(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Returns [key, value] pairs for `checkIns` check-ins over `years` years ending `now`, `pairs` questionnaires,
 * `sessions` activity sessions and `goals` activity goals (a few active, the rest finished or archived).
 */
export function seedEntries({ now = Date.now(), years = 5, checkIns = 5500, pairs = 120, sessions = 3000, goals = 20, seed = 42 } = {}) {
  const next = random(seed);
  const span = years * 365 * 86_400_000;
  const entries = [];
  for (let i = 0; i < checkIns; i++) {
    const id = uuid(next);
    const at = Math.round(now - span + (span * (i + next())) / checkIns);
    const tags = TAGS.filter(() => next() < 0.18);
    const note = NOTES[Math.floor(next() * NOTES.length)];
    const mood = MOODS[Math.min(4, Math.floor(next() * 3 + next() * 2.5))];
    const record = { id, created: at, updated: at, deleted: next() < 0.02, data: { mood, at, note, tags } };
    entries.push([`waymark.rec.mood_check_in.${id}`, JSON.stringify({ v: 2, record })]);
  }
  for (let i = 0; i < pairs; i++) {
    const id = uuid(next);
    const at = Math.round(now - span + (span * (i + 0.5)) / pairs);
    const answers = (n) => Array.from({ length: n }, () => Math.floor(next() * 3));
    const phq9 = answers(9);
    phq9[8] = 0;
    const record = { id, created: at, updated: at, deleted: false, data: { at, phq9, gad7: answers(7), difficulty: null } };
    entries.push([`waymark.rec.questionnaire.${id}`, JSON.stringify({ v: 1, record })]);
  }
  for (let i = 0; i < sessions; i++) {
    const id = uuid(next);
    const at = Math.round(now - span + (span * (i + next())) / sessions);
    const kind = KINDS[Math.floor(next() * KINDS.length)];
    const data = {
      kind,
      custom_name: kind === "other" ? "Tai chi" : "",
      minutes: 5 + Math.floor(next() * 55),
      intensity: INTENSITIES[Math.floor(next() * 3)],
      date: isoDate(at),
    };
    entries.push([`waymark.rec.activity_session.${id}`, JSON.stringify({ v: 1, record: { id, created: at, updated: at, deleted: next() < 0.02, data } })]);
  }
  for (let i = 0; i < goals; i++) {
    const id = uuid(next);
    const at = Math.round(now - span + (span * i) / goals);
    const status = i >= goals - 3 ? "active" : i % 2 ? "finished" : "archived";
    const data = {
      activity: i % 3 ? KINDS[i % KINDS.length] : null,
      target: i % 2 ? { unit: "minutes_per_week", amount: 60 } : { unit: "days_per_week", amount: 3 },
      step_up: i % 2 ? { per_week: 10, ceiling: 150 } : null,
      start: isoDate(at),
      review: isoDate(at + 28 * 86_400_000),
      why: "To feel stronger",
      status,
    };
    entries.push([`waymark.rec.activity_goal.${id}`, JSON.stringify({ v: 1, record: { id, created: at, updated: at, deleted: false, data } })]);
  }
  for (const name of ["walked the dog"]) {
    const id = uuid(next);
    entries.push([`waymark.rec.mood_tag.${id}`, JSON.stringify({ v: 1, record: { id, created: now - span, updated: now - span, deleted: false, data: { name } } })]);
  }
  return entries;
}

/** A Waymark backup file (format version 1) holding the same records as `seedEntries`. */
export function backupFile(entries, now = Date.now()) {
  const records = {};
  for (const [key, value] of entries) {
    const kind = key.split(".")[2];
    (records[kind] ??= []).push(JSON.parse(value));
  }
  return JSON.stringify({ format: "waymark-backup", version: 1, exported_at: new Date(now).toISOString(), exported_at_ms: now, records, kept_aside: [] });
}
