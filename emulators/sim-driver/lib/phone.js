// The simulated phone: which app is in front, on which screen, what was typed, and what a tap does.
// Time is lazy: a transition is scheduled at tap time and applied, at its scheduled instant,
// by the next command that looks at the screen, so timings are exact whatever the polling rate.
'use strict';

const { performance } = require('node:perf_hooks');
const { readFaults, flakyDraw, targets } = require('./faults');
const { Logcat } = require('./logcat');
const { DeviceSettings } = require('./settings');
const { SCREEN, layout, viewport, maxScroll, dialogLayout, shortClass } = require('./source');

const LAUNCHER = { android: 'com.google.android.apps.nexuslauncher', ios: 'com.apple.springboard' };
const APP_STATE = { NOT_INSTALLED: 0, NOT_RUNNING: 1, BACKGROUND: 3, FOREGROUND: 4 };
const NO_CONNECTION = { title: 'Pas de connexion', text: 'Pas de connexion Internet. Vérifiez votre réseau.', button: 'OK' };
const FLAKY_DIALOG = { text: 'Service indisponible, réessayez plus tard.', button: 'OK' };

class StaleElement extends Error {}
class NoSuchApp extends Error {}

const capitalize = (s) => s.replace(/(^|_)(\w)/g, (_, __, c) => c.toUpperCase());

class Phone {
  /**
   * @param {object} model a loaded app model (model.js)
   * @param {object} opts {udid, env, clock}
   */
  constructor(model, { udid, env = process.env, clock = () => performance.now() }) {
    this.model = model;
    this.dialect = model.dialect;
    this.udid = udid;
    this.env = env;
    this.now = clock;
    this.wallOffset = Date.now() - clock();
    this.logcat = new Logcat();
    this.settings = new DeviceSettings(model);
    this.apps = {};
    for (const app of [model, ...Object.values(model.apps)]) {
      this.apps[app.appId] = { model: app, running: false, pid: 0, screen: null, backstack: [], values: {}, scrolls: {} };
    }
    this.foreground = null; // null: the launcher
    this.callers = []; // apps that launched the one in front (third-party hand-over)
    this.pending = null;
    this.instance = 0;
    this.dialogSeq = 0;
  }

  wall(t) {
    return this.wallOffset + t;
  }

  faults() {
    return readFaults(this.udid);
  }

  app(appId) {
    const app = this.apps[appId];
    if (!app) throw new NoSuchApp(`App '${appId}' is not installed on this device`);
    return app;
  }

  /** Applies every transition whose time has come, each at its own scheduled instant. */
  tick() {
    while (this.pending && this.now() >= this.pending.at) {
      const { at, run } = this.pending;
      this.pending = null;
      run(at);
    }
  }

  // --- showing screens --------------------------------------------------------------------------

  show(app, screenName, at, { extraMs = 0, restored = false, push = true } = {}) {
    if (push && app.screen && app.screen !== screenName) app.backstack.push(app.screen);
    const screen = app.model.screens[screenName];
    app.screen = screenName;
    app.shownAt = at;
    app.contentAt = restored ? at : at + extraMs + screen.load_ms;
    app.restored = restored;
    if (!restored) app.scrolls[screenName] = 0; // back restores the list where it was left
    app.dialog = null;
    app.instance = ++this.instance;
    this.focused = null;
    if (this.dialect === 'android') {
      this.logcat.displayed(this.wall(app.contentAt), app.model.appId, this.activity(app), app.contentAt - at);
    }
  }

  activity(app) {
    const screen = app.model.screens[app.screen];
    return screen.activity || `${capitalize(app.screen)}Activity`;
  }

  launch(appId, at) {
    const app = this.app(appId);
    const cold = !app.running;
    if (cold) {
      app.running = true;
      app.pid = 4000 + Math.floor(Math.random() * 20000);
      app.backstack = [];
      app.screen = null;
    }
    this.foreground = appId;
    const screen = cold ? app.model.initial : app.screen;
    const extra = cold ? this.slowed(app.model.launch_ms, this.faults().faults) : 0;
    if (this.dialect === 'android') {
      this.logcat.activityStart(this.wall(at), appId, app.model.screens[screen].activity ||
        `${capitalize(screen)}Activity`, app.pid, cold);
    }
    this.show(app, screen, at, { extraMs: extra, restored: !cold, push: false });
  }

  stop(appId, at, reason) {
    const app = this.app(appId);
    if (!app.running) return false;
    if (this.dialect === 'android') this.logcat.killed(this.wall(at), appId, app.pid, reason);
    app.running = false;
    app.screen = null;
    app.backstack = [];
    if (this.foreground === appId) {
      this.foreground = null;
      this.pending = null;
    }
    this.callers = this.callers.filter((id) => id !== appId);
    return true;
  }

  // --- what is on screen ------------------------------------------------------------------------

  /** The current node tree (root first); nodes carry `ref` (element id) and `bounds`. */
  tree() {
    this.tick();
    const s = SCREEN[this.dialect];
    const full = [0, 0, s.width, s.height];
    if (!this.foreground) {
      return { cls: 'FrameLayout', iosType: 'XCUIElementTypeApplication', pkg: LAUNCHER[this.dialect],
        name: 'SpringBoard', bounds: full, children: [], ref: 'launcher', launcher: true };
    }
    const app = this.apps[this.foreground];
    const root = { cls: 'FrameLayout', iosType: 'XCUIElementTypeApplication', pkg: app.model.appId,
      name: app.model.name, desc: '', bounds: full, children: [], ref: `root.${app.instance}` };
    const screen = app.model.screens[app.screen];
    const faults = this.faults().faults;
    if (faults.blank_screen && [undefined, null, app.screen].includes(faults.blank_screen.screen)) {
      root.blank = true;
      return root;
    }
    if (app.dialog) {
      root.children.push(this.dialogNode(app));
      return root;
    }
    const now = this.now();
    if (now < app.contentAt) return root;
    const boxes = layout(screen.elements, this.dialect);
    const max = maxScroll(screen.elements, boxes, this.dialect);
    let list = null;
    if (max > 0) {
      // Content taller than the window lives in a scrolling list; as in a RecyclerView seen by
      // UiAutomator2, items scrolled out of the window are absent and bounds are the visible part.
      const [top, bottom] = viewport(this.dialect);
      list = { cls: 'androidx.recyclerview.widget.RecyclerView', iosType: 'XCUIElementTypeTable',
        pkg: app.model.appId, rid: '', bounds: [0, top, s.width, bottom], children: [],
        ref: `${app.instance}.list`, scrollable: true, enabled: true, focusable: true };
      root.children.push(list);
    }
    const offset = Math.min(app.scrolls[app.screen] || 0, max);
    screen.elements.forEach((el, i) => {
      const since = now - app.contentAt;
      if (!app.restored && since < el.appear_after_ms) return;
      // a transient element (toast) does not come back when the screen is shown again
      if (el.disappear_after_ms !== undefined && (app.restored || since >= el.disappear_after_ms)) return;
      if (!list || el.bounds) {
        root.children.push(this.elementNode(app, el, i, boxes[i]));
        return;
      }
      const [x1, y1, x2, y2] = boxes[i];
      const [, top, , bottom] = list.bounds;
      const shown = [x1, Math.max(top, y1 - offset), x2, Math.min(bottom, y2 - offset)];
      if (shown[3] > shown[1]) list.children.push(this.elementNode(app, el, i, shown));
    });
    if (this.pending && this.pending.spinner === app.instance) {
      const x = Math.round(s.width / 2);
      const r = this.dialect === 'android' ? 60 : 18;
      root.children.push({ cls: 'ProgressBar', pkg: app.model.appId, bounds: [x - r, s.height - 6 * r, x + r, s.height - 4 * r],
        children: [], ref: `${app.instance}.progress`, enabled: true });
    }
    return root;
  }

  elementNode(app, el, index, bounds) {
    const key = el.id ?? `#${index}`;
    const cls = shortClass(el.class);
    const typed = app.values[`${app.screen}/${key}`];
    const checked = app.values[`${app.screen}/${key}?checked`];
    return {
      cls: el.class,
      pkg: app.model.appId,
      rid: el.id && this.dialect === 'android' ? `${app.model.appId}:id/${el.id}` : '',
      name: el.id,
      text: el.shows ? this.settings.show(el.shows, app.model.appId)
        : cls === 'EditText' ? typed ?? el.text ?? '' : el.text ?? '',
      desc: el.desc,
      hint: el.hint,
      password: Boolean(el.password),
      enabled: el.enabled !== false,
      checked: checked ?? Boolean(el.checked),
      selected: Boolean(el.selected),
      focused: this.focused === `${app.instance}.${index}`,
      clickable: Boolean(el.tap || el.double_tap) || ['Button', 'EditText', 'CheckBox', 'Switch'].includes(cls),
      longClickable: Boolean(el.long_press),
      bounds,
      children: [],
      ref: `${app.instance}.${index}`,
      el,
      key,
    };
  }

  dialogNode(app) {
    const d = app.dialog;
    const { frame, rows } = dialogLayout(this.dialect, Boolean(d.title));
    const ref = `${app.instance}.d${d.seq}`;
    const pkg = app.model.appId;
    const children = [];
    let row = 0;
    if (d.title) {
      children.push({ cls: 'TextView', pkg, rid: 'android:id/alertTitle', name: d.title, text: d.title,
        bounds: rows[row++], children: [], ref: `${ref}.title`, enabled: true });
    }
    children.push({ cls: 'TextView', pkg, rid: 'android:id/message', name: d.text, text: d.text,
      bounds: rows[row++], children: [], ref: `${ref}.message`, enabled: true });
    children.push({ cls: 'Button', pkg, rid: 'android:id/button1', name: d.button, text: d.button,
      bounds: rows[row], children: [], ref: `${ref}.button`, enabled: true, clickable: true, dismiss: true });
    return { cls: 'FrameLayout', iosType: 'XCUIElementTypeAlert', pkg, rid: '', name: d.title || d.text,
      bounds: frame, children, ref, dialog: true, enabled: true };
  }

  /** The node an element reference points to, or StaleElement when it has left the screen. */
  resolve(ref, root = this.tree()) {
    const stack = [root];
    while (stack.length) {
      const node = stack.pop();
      if (node.ref === ref) return node;
      stack.push(...node.children);
    }
    throw new StaleElement(`The element '${ref}' is no longer attached to the screen (the screen changed)`);
  }

  // --- input ------------------------------------------------------------------------------------

  setText(ref, text, append) {
    const node = this.resolve(ref);
    const app = this.apps[this.foreground];
    if (!node.el || shortClass(node.el.class) !== 'EditText') {
      throw new Error(`Element '${node.name || ref}' is not editable (class ${node.cls})`);
    }
    const slot = `${app.screen}/${node.key}`;
    app.values[slot] = append ? (app.values[slot] ?? '') + text : text;
    this.focused = ref;
  }

  /**
   * A tap on a node: focuses a field, toggles a check box, dismisses a dialog or runs a transition.
   * `gesture` long_press / double_tap runs the element's own handler when the model gives one,
   * else acts as a tap (an Android View without a long-click listener clicks on release).
   */
  tap(ref, gesture = 'tap') {
    const node = this.resolve(ref);
    const app = this.apps[this.foreground];
    if (node.dismiss) {
      app.dialog = null;
      return;
    }
    if (!node.el || node.enabled === false) return;
    const cls = shortClass(node.el.class);
    if (cls === 'EditText') this.focused = ref;
    if (['CheckBox', 'Switch'].includes(cls)) {
      app.values[`${app.screen}/${node.key}?checked`] = !node.checked;
    }
    const action = node.el[gesture] || node.el.tap;
    if (action) this.transition(app, { ...node.el, tap: action });
  }

  /** What a gesture on a node would run (its handler), for the `hang` fault's target check. */
  handler(node, gesture = 'tap') {
    if (!node.el) return null;
    const action = node.el[gesture] || node.el.tap;
    return action ? { ...node.el, tap: action } : null;
  }

  /**
   * Scrolls the screen's list by dy pixels (> 0: towards the end). Returns whether the content
   * moved and whether it can still move further that way, like UiAutomator2's scrollGesture.
   */
  scroll(dy) {
    this.tick();
    const none = { moved: false, more: false };
    if (!this.foreground) return none;
    const app = this.apps[this.foreground];
    if (app.dialog || this.now() < app.contentAt) return none;
    const screen = app.model.screens[app.screen];
    const max = maxScroll(screen.elements, layout(screen.elements, this.dialect), this.dialect);
    const was = Math.min(app.scrolls[app.screen] || 0, max);
    const now = Math.max(0, Math.min(max, was + Math.round(dy)));
    app.scrolls[app.screen] = now;
    return { moved: now !== was, more: dy >= 0 ? now < max : now > 0 };
  }

  /** Decides a tap's outcome now (faults, requires) and schedules it after its delay. */
  transition(app, el) {
    const tap = el.tap;
    const { faults, since } = this.faults();
    const t0 = this.now();
    const delay = this.slowed(tap.delay_ms, faults, true);
    const backend = tap.delay_ms > 0;
    const [method, path] = (tap.request || `POST /v1/${el.id || 'action'}`).split(' ');
    const url = `${app.model.api || this.model.api || `https://api.${app.model.appId}`}${path}`;
    const pid = app.pid;
    let outcome = tap;
    let status = 200;
    let failure = null;
    if (faults.crash && targets(faults.crash, el)) {
      outcome = { crash: true };
    } else if (backend && (faults.network_down || this.settings.airplaneMode)) {
      failure = 'network';
      outcome = { alert: NO_CONNECTION };
    } else if (faults.error_dialog && (backend || faults.error_dialog.on != null) &&
        targets(faults.error_dialog, el)) {
      status = Number(faults.error_dialog.status ?? 500);
      outcome = { alert: { text: String(faults.error_dialog.text ?? 'Erreur 500'), button: 'OK' } };
    } else if (backend && faults.flaky && flakyDraw(this.udid, faults.flaky, since.flaky)) {
      status = 503;
      outcome = { alert: FLAKY_DIALOG };
    } else if (tap.requires && !this.requirementsMet(app, tap.requires, faults)) {
      status = 401;
      outcome = tap.otherwise;
    }
    if (backend && this.dialect === 'android') this.logcat.request(this.wall(t0), pid, method, url);
    this.pending = {
      at: t0 + delay,
      spinner: backend ? app.instance : null,
      run: (at) => {
        if (backend && this.dialect === 'android') {
          if (failure) this.logcat.networkFailure(this.wall(at), pid, url, at - t0);
          else this.logcat.response(this.wall(at), pid, outcome.crash ? 500 : status, url, at - t0);
        }
        this.apply(app, outcome, at);
      },
    };
    this.tick();
  }

  requirementsMet(app, requires, faults) {
    if (faults.login_refused) return false;
    return Object.entries(requires).every(([id, expected]) => {
      const el = app.model.screens[app.screen].elements.find((e) => e.id === id);
      if (!el) return false;
      if (typeof expected === 'boolean') {
        return (app.values[`${app.screen}/${id}?checked`] ?? Boolean(el.checked)) === expected;
      }
      const actual = app.values[`${app.screen}/${id}`] ?? el.text ?? '';
      if (typeof expected === 'number') return Number(actual) === expected;
      const wanted = this.resolveVars(String(expected));
      return wanted !== null && actual === wanted;
    });
  }

  /** `${VAR}` from the Appium process environment; null when a variable is unset (never matches). */
  resolveVars(text) {
    let missing = false;
    const out = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name) => {
      if (this.env[name] === undefined) missing = true;
      return this.env[name] ?? '';
    });
    return missing ? null : out;
  }

  apply(app, outcome, at) {
    if (outcome.crash) {
      if (this.dialect === 'android') this.logcat.crash(this.wall(at), app.model.appId, this.activity(app), app.pid);
      app.running = false;
      app.screen = null;
      app.backstack = [];
      this.foreground = null;
      this.callers = [];
    } else if (outcome.alert) {
      app.dialog = { ...outcome.alert, seq: ++this.dialogSeq };
    } else if (outcome.dialog) {
      app.dialog = { ...app.model.screens[app.screen].dialogs[outcome.dialog], seq: ++this.dialogSeq };
    } else if (outcome.goto) {
      this.show(app, outcome.goto, at);
    } else if (outcome.launch) {
      this.callers.push(app.model.appId);
      this.launch(outcome.launch, at);
    } else if (outcome.return) {
      const caller = this.callers.pop() || this.model.appId;
      const back = this.app(caller);
      this.foreground = caller;
      if (!back.running) this.launch(caller, at);
      this.show(back, outcome.return, at);
    }
  }

  slowed(ms, faults, transition = false) {
    const slow = faults.slow;
    if (!slow) return ms;
    const factor = Number(slow.factor ?? (slow.add_ms === undefined ? 5 : 1));
    return ms * factor + (transition ? Number(slow.add_ms ?? 0) : 0);
  }

  // --- keys and apps ----------------------------------------------------------------------------

  back() {
    this.tick();
    if (!this.foreground) return;
    const app = this.apps[this.foreground];
    const at = this.now();
    if (app.dialog) {
      app.dialog = null;
    } else if (app.backstack.length) {
      this.show(app, app.backstack.pop(), at, { restored: true, push: false });
    } else if (this.callers.length) {
      this.foreground = this.callers.pop();
      const caller = this.apps[this.foreground];
      caller.instance = ++this.instance;
      caller.restored = true;
    } else {
      this.foreground = null;
    }
    this.pending = null;
  }

  home() {
    this.tick();
    this.foreground = null;
    this.pending = null;
  }

  activate(appId) {
    this.tick();
    this.app(appId);
    if (this.foreground !== appId) this.launch(appId, this.now());
  }

  deepLink(url, appId) {
    this.tick();
    const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)\/?([^?#]*)/i.exec(url);
    if (!m) throw new Error(`'${url}' is not a deep link (scheme://screen)`);
    const id = appId || this.model.appId;
    const app = this.app(id);
    const screen = [m[1], m[2]].map((s) => s.split('/')[0]).find((s) => app.model.screens[s]);
    if (!screen) throw new NoSuchApp(`No screen of ${id} answers the link '${url}'`);
    const cold = !app.running;
    if (this.foreground !== id || cold) this.launch(id, this.now());
    const extraMs = cold ? this.slowed(app.model.launch_ms, this.faults().faults) : 0;
    this.show(app, screen, this.now(), { extraMs });
  }

  terminate(appId) {
    this.tick();
    return this.stop(appId, this.now(), 'stop by user');
  }

  clear(appId) {
    this.tick();
    this.stop(appId, this.now(), 'clear data');
    this.app(appId).values = {};
    return true;
  }

  state(appId) {
    this.tick();
    const app = this.apps[appId];
    if (!app) return APP_STATE.NOT_INSTALLED;
    if (!app.running) return APP_STATE.NOT_RUNNING;
    return this.foreground === appId ? APP_STATE.FOREGROUND : APP_STATE.BACKGROUND;
  }

  connectivity() {
    const airplane = this.settings.airplaneMode;
    const down = Boolean(this.faults().faults.network_down) || airplane;
    return { wifi: !down, data: !down, airplaneMode: airplane };
  }

  /** The package and activity in front, as `adb shell dumpsys` would say. */
  current() {
    this.tick();
    if (!this.foreground) return { package: LAUNCHER[this.dialect], activity: '.NexusLauncherActivity' };
    const app = this.apps[this.foreground];
    return { package: app.model.appId, activity: `.${this.activity(app)}` };
  }
}

module.exports = { Phone, StaleElement, NoSuchApp, APP_STATE };
