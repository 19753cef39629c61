// Faults of a simulated device, read from the state directory that emulators/faults.py writes.
// Read on every command (stat + cache) so faults switch at run time without restarting Appium.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const PROJECT_ROOT = path.resolve(__dirname, '..', '..', '..');

function stateDir() {
  return process.env.RONDE_SIM_STATE || path.join(PROJECT_ROOT, '.ronde', 'sim');
}

/** Same file name as emulators/faults.py: [A-Za-z0-9._-] kept, other UTF-8 bytes as %XX. */
function fileName(udid) {
  let out = '';
  for (const byte of Buffer.from(String(udid), 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9._-]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `${out}.json`;
}

const cache = new Map(); // file -> {key, state}

/** Returns {faults: {name: params}, since: {name: seconds}} for a udid; {} faults when none. */
function readFaults(udid) {
  const file = path.join(stateDir(), fileName(udid));
  let st;
  try {
    st = fs.statSync(file);
  } catch {
    cache.delete(file);
    return { faults: {}, since: {} };
  }
  const key = `${st.ino}:${st.mtimeMs}:${st.size}`;
  const hit = cache.get(file);
  if (hit && hit.key === key) return hit.state;
  let state;
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8'));
    state = { faults: data.faults || {}, since: data.since || {} };
  } catch {
    // A half-written file cannot happen (atomic rename); an unreadable one means no fault.
    state = { faults: {}, since: {} };
  }
  cache.set(file, { key, state });
  return state;
}

// flaky: the n-th transition since the fault was set fails when rand(seed, n) < p.
const flakyCounters = new Map(); // udid -> {since, n}

function mulberry32(a) {
  let t = (a + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function flakyDraw(udid, params, since) {
  let counter = flakyCounters.get(udid);
  if (!counter || counter.since !== since) {
    counter = { since, n: 0 };
    flakyCounters.set(udid, counter);
  }
  const seed = Number(params.seed ?? 0) | 0;
  const draw = mulberry32((seed ^ Math.imul(counter.n + 1, 0x9e3779b1)) | 0);
  counter.n += 1;
  return draw < Number(params.p ?? 0.3);
}

/** Does a fault's `on:` target this tap? `on` names the tapped element's id or the screen it goes to. */
function targets(params, el) {
  if (!params || params.on === undefined || params.on === null) return true;
  const on = String(params.on);
  return on === el.id || (el.tap && (on === el.tap.goto || on === el.tap.launch));
}

module.exports = { readFaults, flakyDraw, targets, stateDir, fileName };
