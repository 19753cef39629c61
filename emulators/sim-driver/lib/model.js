// The app model: a YAML file of screens, elements and transitions, loaded and checked once per session.
'use strict';

const fs = require('node:fs');
const YAML = require('yaml');

const DIALECTS = ['android', 'ios'];
const APP_KEYS = ['appId', 'name', 'version', 'dialect', 'launch_ms', 'screens', 'apps', 'api', 'keychain'];
const THIRD_PARTY_KEYS = ['name', 'version', 'launch_ms', 'screens', 'api'];
const SCREEN_KEYS = ['initial', 'load_ms', 'elements', 'dialogs', 'activity'];
const ELEMENT_KEYS = [
  'id', 'class', 'text', 'desc', 'hint', 'enabled', 'checked', 'selected', 'password',
  'appear_after_ms', 'disappear_after_ms', 'bounds', 'height', 'tap', 'long_press', 'double_tap',
  'shows',
];
// Gestures an element may react to, each with a tap's shape; without long_press/double_tap the
// element treats a long press or a double tap as a tap (as an Android View with only a click
// listener does).
const GESTURES = ['tap', 'long_press', 'double_tap'];
const TAP_KEYS = [
  'goto', 'dialog', 'launch', 'return', 'crash', 'delay_ms', 'requires', 'otherwise', 'request',
];
const OUTCOME_KEYS = ['goto', 'dialog', 'launch', 'return', 'crash'];
const DIALOG_KEYS = ['title', 'text', 'button'];

class ModelError extends Error {}

function fail(file, where, message) {
  throw new ModelError(`app model ${file}: ${where}: ${message}`);
}

function checkKeys(file, where, obj, allowed) {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    fail(file, where, `expected a mapping, got ${JSON.stringify(obj)}`);
  }
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      fail(file, where, `unknown key '${key}' (expected one of: ${allowed.join(', ')})`);
    }
  }
}

function checkMs(file, where, value) {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !(value >= 0)) {
    fail(file, where, `expected a number of milliseconds >= 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkTap(file, where, tap, screens, dialogs, appIds) {
  checkKeys(file, where, tap, TAP_KEYS);
  const outcomes = OUTCOME_KEYS.filter((k) => tap[k] !== undefined);
  if (outcomes.length !== 1) {
    fail(file, where, `a tap needs exactly one of ${OUTCOME_KEYS.join(', ')}`);
  }
  checkOutcome(file, where, tap, screens, dialogs, appIds);
  tap.delay_ms = checkMs(file, `${where}.delay_ms`, tap.delay_ms);
  if (tap.requires !== undefined) {
    checkKeys(file, `${where}.requires`, tap.requires, Object.keys(tap.requires));
    if (tap.otherwise === undefined) fail(file, where, "'requires' needs an 'otherwise'");
  }
  if (tap.otherwise !== undefined) {
    checkKeys(file, `${where}.otherwise`, tap.otherwise, OUTCOME_KEYS);
    checkOutcome(file, `${where}.otherwise`, tap.otherwise, screens, dialogs, appIds);
  }
  if (tap.request !== undefined && !/^[A-Z]+ \S+$/.test(String(tap.request))) {
    fail(file, `${where}.request`, `expected "METHOD /path", got ${JSON.stringify(tap.request)}`);
  }
}

function checkOutcome(file, where, out, screens, dialogs, appIds) {
  if (out.goto !== undefined && !screens.includes(out.goto)) {
    fail(file, `${where}.goto`, `unknown screen '${out.goto}' (screens: ${screens.join(', ')})`);
  }
  if (out.dialog !== undefined && !dialogs.includes(out.dialog)) {
    fail(file, `${where}.dialog`, `unknown dialog '${out.dialog}' (dialogs: ${dialogs.join(', ') || 'none'})`);
  }
  if (out.launch !== undefined && !appIds.includes(out.launch)) {
    fail(file, `${where}.launch`, `unknown app '${out.launch}' (apps: ${appIds.join(', ')})`);
  }
}

/** Checks one app's screens; `returnScreens` are the caller's screens a third-party app may return to. */
function checkScreens(file, prefix, app, appIds, returnScreens) {
  if (!app.screens || typeof app.screens !== 'object' || !Object.keys(app.screens).length) {
    fail(file, `${prefix}screens`, 'at least one screen is required');
  }
  const names = Object.keys(app.screens);
  const initial = names.filter((n) => app.screens[n] && app.screens[n].initial);
  if (initial.length > 1) fail(file, `${prefix}screens`, `several initial screens: ${initial.join(', ')}`);
  app.initial = initial[0] || names[0];
  app.launch_ms = checkMs(file, `${prefix}launch_ms`, app.launch_ms);
  for (const name of names) {
    const where = `${prefix}screens.${name}`;
    const screen = app.screens[name];
    checkKeys(file, where, screen, SCREEN_KEYS);
    screen.name = name;
    screen.load_ms = checkMs(file, `${where}.load_ms`, screen.load_ms);
    screen.dialogs = screen.dialogs || {};
    for (const [dname, dialog] of Object.entries(screen.dialogs)) {
      checkKeys(file, `${where}.dialogs.${dname}`, dialog, DIALOG_KEYS);
      if (typeof dialog.text !== 'string') fail(file, `${where}.dialogs.${dname}.text`, 'expected a string');
      dialog.button = dialog.button === undefined ? 'OK' : String(dialog.button);
    }
    screen.elements = screen.elements || [];
    if (!Array.isArray(screen.elements)) fail(file, `${where}.elements`, 'expected a list');
    const ids = new Set();
    screen.elements.forEach((el, i) => {
      const ew = `${where}.elements[${i}]`;
      checkKeys(file, ew, el, ELEMENT_KEYS);
      if (el.id !== undefined) {
        el.id = String(el.id);
        if (ids.has(el.id)) fail(file, `${ew}.id`, `duplicate id '${el.id}' on screen '${name}'`);
        ids.add(el.id);
      }
      if (el.text !== undefined) el.text = String(el.text);
      if (el.desc !== undefined) el.desc = String(el.desc);
      el.class = el.class ? String(el.class) : el.tap ? 'Button' : 'TextView';
      el.appear_after_ms = checkMs(file, `${ew}.appear_after_ms`, el.appear_after_ms);
      if (el.disappear_after_ms !== undefined) {
        el.disappear_after_ms = checkMs(file, `${ew}.disappear_after_ms`, el.disappear_after_ms);
      }
      if (el.bounds !== undefined && !(Array.isArray(el.bounds) && el.bounds.length === 4 &&
          el.bounds.every((n) => Number.isInteger(n)))) {
        fail(file, `${ew}.bounds`, 'expected [x1, y1, x2, y2] in pixels');
      }
      if (el.height !== undefined && !(Number.isInteger(el.height) && el.height > 0)) {
        fail(file, `${ew}.height`, 'expected a height in pixels > 0');
      }
      for (const gesture of GESTURES) {
        if (el[gesture] === undefined) continue;
        checkTap(file, `${ew}.${gesture}`, el[gesture], names, Object.keys(screen.dialogs), appIds);
        if (el[gesture].return !== undefined && !returnScreens.includes(el[gesture].return)) {
          fail(file, `${ew}.${gesture}.return`, `unknown screen of the calling app '${el[gesture].return}'`);
        }
      }
    });
  }
}

/** An app's version name (`3.4.1`); YAML may read `3.4` as a number, so numbers are accepted. */
function checkVersion(file, where, value) {
  if (value === undefined || value === null) return '1.0.0';
  if (!['string', 'number'].includes(typeof value) || !String(value).trim()) {
    fail(file, where, `expected a version name such as "3.4.1", got ${JSON.stringify(value)}`);
  }
  return String(value);
}

/** Loads and validates an app model; throws ModelError with the file and the path of the bad key. */
function loadModel(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ModelError(`app model ${file}: cannot be read (${e.code || e.message})`);
  }
  let model;
  try {
    model = YAML.parse(text);
  } catch (e) {
    throw new ModelError(`app model ${file}: invalid YAML: ${e.message}`);
  }
  checkKeys(file, 'top level', model, APP_KEYS);
  if (typeof model.appId !== 'string' || !model.appId) fail(file, 'appId', 'a non-empty string is required');
  model.dialect = model.dialect || 'android';
  if (!DIALECTS.includes(model.dialect)) fail(file, 'dialect', `expected android or ios, got ${model.dialect}`);
  model.name = model.name ? String(model.name) : model.appId;
  model.version = checkVersion(file, 'version', model.version);
  model.apps = model.apps || {};
  if (model.keychain !== undefined && (typeof model.keychain !== 'object' || Array.isArray(model.keychain))) {
    fail(file, 'keychain', 'expected a mapping of item names to values');
  }
  const appIds = [model.appId, ...Object.keys(model.apps)];
  const mainScreens = Object.keys(model.screens || {});
  checkScreens(file, '', model, appIds, []);
  for (const [appId, app] of Object.entries(model.apps)) {
    checkKeys(file, `apps.${appId}`, app, THIRD_PARTY_KEYS);
    app.appId = appId;
    app.name = app.name ? String(app.name) : appId;
    app.version = checkVersion(file, `apps.${appId}.version`, app.version);
    app.dialect = model.dialect;
    checkScreens(file, `apps.${appId}.`, app, appIds, mainScreens);
  }
  model.file = file;
  return model;
}

module.exports = { loadModel, ModelError };
