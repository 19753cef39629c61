// RondeSim: an Appium 3 driver for a simulated phone running one scripted app model (YAML).
// The WebDriver side lives here; the phone (phone.js), lookup (find.js), page source (source.js),
// screenshot and log are small modules of their own.
'use strict';

const path = require('node:path');
const { BaseDriver, errors } = require('@appium/base-driver');
const { util } = require('@appium/support');
const { loadModel, ModelError } = require('./model');
const { Phone, StaleElement, NoSuchApp } = require('./phone');
const { readFaults, targets } = require('./faults');
const { find, STRATEGIES, InvalidSelector } = require('./find');
const { pageSource, SCREEN } = require('./source');
const { screenshot } = require('./screenshot');
const { EXECUTE_METHODS, deviceMethods } = require('./device');

// Android key codes the phone understands; other keys are accepted and ignored.
const KEY_BACK = 4;
const KEY_HOME = 3;
const W3C_KEYS = { '\uE007': 'enter', '\uE006': 'enter', '\uE003': 'backspace', '\uE017': 'delete' };
const HANG_POLL_MS = 100;
// W3C pointer gestures, as Android's ViewConfiguration sees them.
const TOUCH_SLOP_PX = 20; // a pointer that moves further is a swipe
const LONG_PRESS_MS = 500; // held longer without moving: a long press
const DOUBLE_TAP_MS = 300; // a second tap that starts sooner, near the first: a double tap
const GESTURE_AREA = { optional: ['elementId', 'left', 'top', 'width', 'height', 'speed'] };

const appArg = { optional: ['appId', 'bundleId', 'timeout'] };

class RondeSimDriver extends BaseDriver {
  static executeMethodMap = {
    'mobile: activateApp': { command: 'mobileActivateApp', params: appArg },
    'mobile: terminateApp': { command: 'mobileTerminateApp', params: appArg },
    'mobile: queryAppState': { command: 'mobileQueryAppState', params: appArg },
    'mobile: clearApp': { command: 'mobileClearApp', params: appArg },
    'mobile: isAppInstalled': { command: 'mobileIsAppInstalled', params: appArg },
    'mobile: getConnectivity': { command: 'mobileGetConnectivity', params: { optional: ['services'] } },
    'mobile: pressKey': { command: 'mobilePressKey', params: { required: ['keycode'], optional: ['metastate', 'flags', 'isLongPress'] } },
    'mobile: backgroundApp': { command: 'mobileBackgroundApp', params: { optional: ['seconds'] } },
    'mobile: hideKeyboard': { command: 'hideKeyboard', params: { optional: ['keys', 'key', 'strategy'] } },
    'mobile: isKeyboardShown': { command: 'isKeyboardShown' },
    'mobile: getCurrentPackage': { command: 'getCurrentPackage' },
    'mobile: getCurrentActivity': { command: 'getCurrentActivity' },
    'mobile: deviceInfo': { command: 'mobileDeviceInfo' },
    'mobile: pressButton': { command: 'mobilePressButton', params: { required: ['name'], optional: ['durationSeconds'] } },
    'mobile: deepLink': { command: 'mobileDeepLink', params: { required: ['url'], optional: ['package', 'bundleId', 'waitForLaunch'] } },
    // An element's `long_press:` / `double_tap:` handler runs; without one the gesture acts as a tap.
    'mobile: longClickGesture': { command: 'mobileLongClickGesture', params: { optional: ['elementId', 'x', 'y', 'duration'] } },
    'mobile: doubleClickGesture': { command: 'mobileDoubleClickGesture', params: { optional: ['elementId', 'x', 'y'] } },
    'mobile: clickGesture': { command: 'mobileGestureTap', params: { optional: ['elementId', 'x', 'y'] } },
    // UiAutomator2's scrolling gestures: swipe names the finger's direction, scroll the content's.
    'mobile: swipeGesture': { command: 'mobileSwipeGesture', params: { required: ['direction', 'percent'], ...GESTURE_AREA } },
    'mobile: scrollGesture': { command: 'mobileScrollGesture', params: { required: ['direction', 'percent'], ...GESTURE_AREA } },
    ...EXECUTE_METHODS,
  };

  constructor(opts = {}, shouldValidateCaps = true) {
    super(opts, shouldValidateCaps);
    this.locatorStrategies = STRATEGIES;
    this.desiredCapConstraints = {
      platformName: { presence: true, isString: true, inclusionCaseInsensitive: ['Android', 'iOS'] },
      app: { presence: true, isString: true },
      udid: { isString: true },
      autoLaunch: { isBoolean: true },
    };
    this.supportedLogTypes = {
      logcat: { description: 'Logs of the simulated device', getter: (d) => d.phone.logcat.fetch() },
      syslog: { description: 'Logs of the simulated device', getter: (d) => d.phone.logcat.fetch() },
    };
    this.phone = null;
    this.hangAborts = new Set();
  }

  // --- session ----------------------------------------------------------------------------------

  async createSession(w3cCaps1, w3cCaps2, w3cCaps3, driverData) {
    const [sessionId, caps] = await super.createSession(w3cCaps1, w3cCaps2, w3cCaps3, driverData);
    try {
      const udid = caps.udid || 'ronde-sim';
      const faults = readFaults(udid).faults;
      if (faults.offline) {
        throw new errors.SessionNotCreatedError(
          `Device '${udid}' is offline: it does not answer (simulated 'offline' fault; clear it with 'ronde sim clear ${udid}')`);
      }
      const appPath = path.resolve(caps.app);
      let model;
      try {
        model = loadModel(appPath);
      } catch (e) {
        throw new errors.SessionNotCreatedError(e instanceof ModelError ? e.message : String(e));
      }
      const expected = model.dialect === 'ios' ? 'ios' : 'android';
      if (String(caps.platformName).toLowerCase() !== expected) {
        throw new errors.SessionNotCreatedError(
          `app model ${appPath} is for ${expected === 'ios' ? 'iOS' : 'Android'} (dialect: ${model.dialect}), ` +
          `but platformName is ${caps.platformName}`);
      }
      this.phone = new Phone(model, { udid });
      this.caps.udid = udid;
      this.caps.deviceName = caps.deviceName || udid;
      this.caps.appPackage = model.appId;
      // The installed build's versionName, as device clouds report it in the session's
      // capabilities; the `new_version` fault plays a new release being installed.
      const release = faults.new_version;
      this.caps.appVersion = release && release.version != null ? String(release.version) : model.version;
      if (caps.autoLaunch !== false) this.phone.activate(model.appId);
      await this.maybeHang(null);
      return [sessionId, this.caps];
    } catch (e) {
      await super.deleteSession();
      throw e;
    }
  }

  async deleteSession(sessionId) {
    for (const abort of this.hangAborts) abort();
    this.phone = null;
    await super.deleteSession(sessionId);
  }

  // --- the `hang` fault -------------------------------------------------------------------------

  /**
   * Blocks while a `hang` fault targets this command (`on` absent: every command; `on: X`: a tap
   * on X). Ends when the fault is cleared (the command then runs), or fails when the session is
   * deleted or after newCommandTimeout (by then the client has long given up).
   */
  async maybeHang(el) {
    const udid = this.caps.udid;
    const hits = () => {
      const hang = readFaults(udid).faults.hang;
      if (!hang) return false;
      if (hang.on === undefined || hang.on === null) return true;
      return Boolean(el) && targets(hang, el);
    };
    if (!hits()) return;
    this.log.warn(`Device '${udid}' hangs (simulated 'hang' fault)`);
    const limit = Date.now() + (this.newCommandTimeoutMs || 60000);
    let aborted = false;
    const abort = () => {
      aborted = true;
    };
    this.hangAborts.add(abort);
    try {
      while (hits()) {
        if (aborted) throw new errors.NoSuchDriverError('The session was deleted while the device hung');
        if (Date.now() > limit) throw new errors.TimeoutError('The device hung past newCommandTimeout');
        await new Promise((r) => setTimeout(r, HANG_POLL_MS));
      }
    } finally {
      this.hangAborts.delete(abort);
    }
  }

  async executeCommand(cmd, ...args) {
    if (this.phone && !['deleteSession', 'createSession', 'getStatus', 'getSession'].includes(cmd)) {
      await this.maybeHang(null);
    }
    return await super.executeCommand(cmd, ...args);
  }

  // --- elements ---------------------------------------------------------------------------------

  /** Runs fn, turning the phone's own errors into WebDriver errors. */
  guard(fn) {
    try {
      return fn();
    } catch (e) {
      if (e instanceof StaleElement) throw new errors.StaleElementReferenceError(e.message);
      if (e instanceof InvalidSelector) throw new errors.InvalidSelectorError(e.message);
      if (e instanceof NoSuchApp) throw new errors.InvalidArgumentError(e.message);
      throw e;
    }
  }

  async findElOrEls(strategy, selector, mult, context) {
    const lookup = () => this.guard(() => {
      const root = this.phone.tree();
      const ctx = context ? this.phone.resolve(util.unwrapElement(context), root) : null;
      return find(root, this.phone.dialect, strategy, selector, ctx);
    });
    let found = [];
    await this.implicitWaitForCondition(async () => {
      found = lookup();
      return found.length > 0;
    });
    if (mult) return found.map((n) => util.wrapElement(n.ref));
    if (!found.length) {
      throw new errors.NoSuchElementError(`An element could not be located on the page using the given search parameters ('${strategy}', '${selector}')`);
    }
    return util.wrapElement(found[0].ref);
  }

  /** Polls every 50 ms (the base driver's 500 ms would blur response times); true when met. */
  implicitWaitForCondition(condFn) {
    const until = Date.now() + (this.implicitWaitMs || 0);
    const loop = async () => {
      for (;;) {
        if (await condFn()) return true;
        if (Date.now() >= until) return false;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    return loop();
  }

  node(elementId) {
    return this.guard(() => this.phone.resolve(util.unwrapElement(elementId)));
  }

  async click(elementId) {
    return await this.gesture(elementId, 'tap');
  }

  /** A tap, long press or double tap on an element (hang-checked on the handler it runs). */
  async gesture(elementId, kind) {
    const node = this.node(elementId);
    const handler = this.phone.handler(node, kind);
    if (handler) await this.maybeHang(handler);
    this.guard(() => this.phone.tap(node.ref, kind));
  }

  async setValue(value, elementId) {
    const text = Array.isArray(value) ? value.join('') : String(value);
    const node = this.node(elementId);
    this.guard(() => this.phone.setText(node.ref, text, this.phone.dialect === 'ios'));
  }

  async replaceValue(value, elementId) {
    const node = this.node(elementId);
    this.guard(() => this.phone.setText(node.ref, Array.isArray(value) ? value.join('') : String(value), false));
  }

  async clear(elementId) {
    const node = this.node(elementId);
    this.guard(() => this.phone.setText(node.ref, '', false));
  }

  attrs(elementId) {
    const root = this.phone.tree();
    pageSource(root, this.phone.dialect);
    return this.guard(() => this.phone.resolve(util.unwrapElement(elementId), root)).attrs;
  }

  async getText(elementId) {
    const a = this.attrs(elementId);
    if (this.phone.dialect === 'android') return a.text;
    return a.value ?? a.label ?? '';
  }

  async getAttribute(name, elementId) {
    const a = this.attrs(elementId);
    const aliases = {
      resourceId: 'resource-id', contentDescription: 'content-desc', className: 'class',
      'class-name': 'class', checkable: 'checkable', longClickable: 'long-clickable',
    };
    if (this.phone.dialect === 'android' && name === 'name') return a['content-desc'] || a.text;
    if (this.phone.dialect === 'ios' && name === 'rect') {
      return JSON.stringify({ x: +a.x, y: +a.y, width: +a.width, height: +a.height });
    }
    const key = aliases[name] || name;
    return key in a ? a[key] : null;
  }

  async getProperty(name, elementId) {
    return await this.getAttribute(name, elementId);
  }

  async getName(elementId) {
    const a = this.attrs(elementId);
    return a.class || a.type;
  }

  async getElementRect(elementId) {
    const [x1, y1, x2, y2] = this.node(elementId).bounds;
    return { x: x1, y: y1, width: x2 - x1, height: y2 - y1 };
  }

  async elementDisplayed(elementId) {
    this.node(elementId); // items scrolled out of the window are absent: stale, not hidden
    return true;
  }

  async elementEnabled(elementId) {
    return this.node(elementId).enabled !== false;
  }

  async elementSelected(elementId) {
    const n = this.node(elementId);
    return Boolean(n.selected || n.checked);
  }

  async getElementScreenshot(elementId) {
    this.node(elementId);
    return await this.getScreenshot();
  }

  // --- screen -----------------------------------------------------------------------------------

  async getPageSource() {
    return pageSource(this.phone.tree(), this.phone.dialect);
  }

  async getScreenshot() {
    return screenshot(this.phone.tree(), this.phone.dialect).toString('base64');
  }

  async getWindowRect() {
    const { width, height } = SCREEN[this.phone.dialect];
    return { x: 0, y: 0, width, height };
  }

  async getOrientation() {
    return 'PORTRAIT';
  }

  async back() {
    this.phone.back();
  }

  async hideKeyboard() {
    const shown = Boolean(this.phone.focused);
    this.phone.focused = null;
    return shown;
  }

  async isKeyboardShown() {
    return Boolean(this.phone.focused);
  }

  async getCurrentPackage() {
    return this.phone.current().package;
  }

  async getCurrentActivity() {
    return this.phone.current().activity;
  }

  async getDeviceTime() {
    return new Date().toISOString();
  }

  /**
   * W3C actions: key presses go to the focused field (Backspace understood). A pointer that goes
   * down and up within the touch slop taps the element under it — a long press when held
   * LONG_PRESS_MS, a double tap when a second tap follows within DOUBLE_TAP_MS; a longer move is
   * a swipe that scrolls the screen's list by the finger's vertical travel. Durations are those
   * the actions declare (pauses are also waited for).
   */
  async performActions(actions) {
    for (const source of actions) {
      let at = [0, 0];
      let t = 0; // the gesture's own timeline, in ms
      let down = null;
      let held = null; // a tap on an element with a double_tap handler, waiting for a second tap
      const flush = async () => {
        if (held) await this.tapAt(held.at, 'tap');
        held = null;
      };
      for (const a of source.actions || []) {
        if (source.type === 'key' && a.type === 'keyDown') this.typeKey(a.value);
        if (source.type === 'pointer' && a.type === 'pointerMove') {
          at = await this.pointerTarget(a, at);
          t += Number(a.duration || 0);
        }
        if (source.type === 'pointer' && a.type === 'pointerDown') {
          if (held && (t - held.upAt > DOUBLE_TAP_MS || Math.hypot(at[0] - held.at[0], at[1] - held.at[1]) > TOUCH_SLOP_PX * 2)) {
            await flush();
          }
          down = { at, t };
        }
        if (source.type === 'pointer' && a.type === 'pointerUp' && down) {
          const moved = Math.hypot(at[0] - down.at[0], at[1] - down.at[1]);
          if (moved >= TOUCH_SLOP_PX) {
            await flush();
            this.phone.scroll(down.at[1] - at[1]);
          } else if (t - down.t >= LONG_PRESS_MS) {
            await flush();
            await this.tapAt(at, 'long_press');
          } else if (held) {
            held = null;
            await this.tapAt(at, 'double_tap');
          } else if (this.nodeAt(at)?.el?.double_tap) {
            held = { at, upAt: t };
          } else {
            await this.tapAt(at, 'tap');
          }
          down = null;
        }
        if (a.type === 'pause' && a.duration) {
          t += Number(a.duration);
          await new Promise((r) => setTimeout(r, Math.min(a.duration, 5000)));
        }
      }
      await flush();
    }
  }

  async pointerTarget({ x = 0, y = 0, origin }, [cx, cy]) {
    if (origin === 'pointer') return [cx + x, cy + y];
    if (origin && typeof origin === 'object') {
      const r = await this.getElementRect(util.unwrapElement(origin));
      return [r.x + r.width / 2 + x, r.y + r.height / 2 + y];
    }
    return [x, y];
  }

  async releaseActions() {}

  typeKey(value) {
    const focused = this.phone.focused;
    const special = W3C_KEYS[value];
    if (special === 'enter' || !focused) return;
    const node = this.guard(() => this.phone.resolve(focused));
    const text = node.text || '';
    const next = special ? text.slice(0, -1) : text + value;
    this.guard(() => this.phone.setText(focused, next, false));
  }

  async tapAt(point, kind = 'tap') {
    const target = this.nodeAt(point);
    if (target) await this.gesture(util.wrapElement(target.ref), kind);
  }

  /** The innermost element (or dialog button) under a point, or undefined. */
  nodeAt([px, py]) {
    const root = this.phone.tree();
    const hits = [];
    const walk = (n) => {
      const [x1, y1, x2, y2] = n.bounds;
      if (n.ref && px >= x1 && px < x2 && py >= y1 && py < y2 && (n.el || n.dismiss)) hits.push(n);
      n.children.forEach(walk);
    };
    walk(root);
    return hits.at(-1);
  }

  // --- mobile: extensions -----------------------------------------------------------------------

  async execute(script, args) {
    return await this.executeMethod(script, Array.isArray(args) ? args : [args]);
  }

  appIdOf(appId, bundleId) {
    const id = appId || bundleId;
    if (!id) throw new errors.InvalidArgumentError("'appId' (or 'bundleId') is required");
    return id;
  }

  async mobileActivateApp(appId, bundleId) {
    this.guard(() => this.phone.activate(this.appIdOf(appId, bundleId)));
  }

  async mobileTerminateApp(appId, bundleId) {
    return this.guard(() => this.phone.terminate(this.appIdOf(appId, bundleId)));
  }

  async mobileQueryAppState(appId, bundleId) {
    return this.phone.state(this.appIdOf(appId, bundleId));
  }

  async mobileClearApp(appId, bundleId) {
    return this.guard(() => this.phone.clear(this.appIdOf(appId, bundleId)));
  }

  async mobileIsAppInstalled(appId, bundleId) {
    return this.phone.state(this.appIdOf(appId, bundleId)) !== 0;
  }

  async mobileGetConnectivity() {
    return this.phone.connectivity();
  }

  async mobilePressKey(keycode) {
    if (Number(keycode) === KEY_BACK) this.phone.back();
    else if (Number(keycode) === KEY_HOME) this.phone.home();
  }

  async mobileBackgroundApp(seconds) {
    const app = this.phone.foreground;
    this.phone.home();
    if (app && seconds !== undefined && Number(seconds) >= 0) {
      await new Promise((r) => setTimeout(r, Number(seconds) * 1000));
      this.phone.activate(app);
    }
  }

  async mobileGestureTap(elementId, x, y, kind = 'tap') {
    if (elementId) return await this.gesture(elementId, kind);
    if (x === undefined || y === undefined) throw new errors.InvalidArgumentError("'elementId' or 'x' and 'y' are required");
    return await this.tapAt([Number(x), Number(y)], kind);
  }

  async mobileLongClickGesture(elementId, x, y) {
    return await this.mobileGestureTap(elementId, x, y, 'long_press');
  }

  async mobileDoubleClickGesture(elementId, x, y) {
    return await this.mobileGestureTap(elementId, x, y, 'double_tap');
  }

  /** The gesture's area: an element's rect, or left/top/width/height (default: the whole window). */
  async gestureArea(elementId, left, top, width, height) {
    if (elementId) return await this.getElementRect(elementId);
    const win = await this.getWindowRect();
    const area = { x: left ?? 0, y: top ?? 0, width: width ?? win.width, height: height ?? win.height };
    if (![area.x, area.y, area.width, area.height].every((n) => Number.isFinite(Number(n)))) {
      throw new errors.InvalidArgumentError("'left', 'top', 'width' and 'height' must be numbers");
    }
    return { x: Number(area.x), y: Number(area.y), width: Number(area.width), height: Number(area.height) };
  }

  /** Content travel (> 0: towards the end of the list) of a gesture in `direction`. */
  travel(direction, percent, area, finger) {
    const dir = String(direction).toLowerCase();
    if (!['up', 'down', 'left', 'right'].includes(dir)) {
      throw new errors.InvalidArgumentError(`'direction' must be up, down, left or right, got '${direction}'`);
    }
    const p = Number(percent);
    if (!(p > 0 && p <= 1)) throw new errors.InvalidArgumentError(`'percent' must be in (0, 1], got '${percent}'`);
    if (dir === 'left' || dir === 'right') return 0; // the model has no horizontal lists
    // A finger moving up reveals what is below, as does scrolling down.
    const towardsEnd = finger ? dir === 'up' : dir === 'down';
    return (towardsEnd ? 1 : -1) * p * area.height;
  }

  async mobileSwipeGesture(direction, percent, elementId, left, top, width, height) {
    const area = await this.gestureArea(elementId, left, top, width, height);
    this.phone.scroll(this.travel(direction, percent, area, true));
  }

  /** Returns true when the content can still scroll further that way (as UiAutomator2 does). */
  async mobileScrollGesture(direction, percent, elementId, left, top, width, height) {
    const area = await this.gestureArea(elementId, left, top, width, height);
    const dy = this.travel(direction, percent, area, false);
    if (!dy) return false;
    return this.phone.scroll(dy).more;
  }

  async mobilePressButton(name) {
    if (String(name).toLowerCase() === 'home') this.phone.home();
  }

  /** `<scheme>://<screen>`: opens that screen of the app (launching it if needed). */
  async mobileDeepLink(url, pkg, bundleId) {
    if (this.openInBrowser(String(url), pkg || bundleId)) return;
    this.guard(() => this.phone.deepLink(String(url), pkg || bundleId));
  }

  async mobileDeviceInfo() {
    const { width, height } = SCREEN[this.phone.dialect];
    const android = this.phone.dialect === 'android';
    return {
      manufacturer: 'Ronde', model: 'RondeSim', brand: 'ronde', platformVersion: android ? '14' : '17.5',
      apiVersion: android ? '34' : undefined, realDisplaySize: `${width}x${height}`,
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone, locale: 'fr_FR',
      networkOperator: 'Ronde Mobile', simulated: true, udid: this.caps.udid,
    };
  }

  async activateApp(appId) {
    return await this.mobileActivateApp(appId);
  }

  async terminateApp(appId) {
    return await this.mobileTerminateApp(appId);
  }

  async queryAppState(appId) {
    return await this.mobileQueryAppState(appId);
  }
}

Object.assign(RondeSimDriver.prototype, deviceMethods);

module.exports = { RondeSimDriver, default: RondeSimDriver };
