// The simulated phone's device commands, as UiAutomator2 (and XCUITest) expose them: location,
// connectivity and airplane mode, permissions, keychain, launch arguments, files and the
// gallery, clipboard, screen recording. Mixed into RondeSimDriver (driver.js).
'use strict';

const { errors } = require('@appium/base-driver');

const BROWSERS = new Set(['com.android.chrome', 'com.apple.mobilesafari']);

const EXECUTE_METHODS = {
  'mobile: setGeolocation': { command: 'mobileSetGeolocation', params: { required: ['latitude', 'longitude'], optional: ['altitude', 'satellites', 'speed', 'bearing', 'accuracy'] } },
  'mobile: getGeolocation': { command: 'getGeoLocation' },
  'mobile: setConnectivity': { command: 'mobileSetConnectivity', params: { optional: ['wifi', 'data', 'airplaneMode'] } },
  'mobile: changePermissions': { command: 'mobileChangePermissions', params: { required: ['permissions'], optional: ['appPackage', 'action', 'target'] } },
  'mobile: getPermissions': { command: 'mobileGetPermissions', params: { optional: ['type', 'appPackage'] } },
  'mobile: setPermission': { command: 'mobileSetPermission', params: { required: ['bundleId', 'access'] } },
  'mobile: clearKeychains': { command: 'mobileClearKeychains' },
  'mobile: launchApp': { command: 'mobileLaunchApp', params: { optional: ['appId', 'bundleId', 'arguments', 'environment'] } },
  'mobile: pushFile': { command: 'pushFile', params: { required: ['remotePath', 'payload'] } },
  'mobile: pullFile': { command: 'pullFile', params: { required: ['remotePath'] } },
  'mobile: scanMedia': { command: 'mobileScanMedia', params: { required: ['remotePath'] } },
  'mobile: setClipboard': { command: 'mobileSetClipboard', params: { required: ['content'], optional: ['contentType', 'label'] } },
  'mobile: getClipboard': { command: 'mobileGetClipboard', params: { optional: ['contentType'] } },
  'mobile: startScreenRecording': { command: 'mobileStartScreenRecording', params: { optional: ['timeLimit', 'videoSize', 'bitRate', 'bugReport', 'forceRestart'] } },
  'mobile: stopScreenRecording': { command: 'mobileStopScreenRecording', params: { optional: ['remotePath'] } },
  // Tests read the device's settings with this; the robot never calls it.
  'mobile: simState': { command: 'mobileSimState' },
};

const deviceMethods = {
  settingsOrFail() {
    if (!this.phone) throw new errors.NoSuchDriverError('no session');
    return this.phone.settings;
  },

  rangeGuard(fn) {
    try {
      return fn();
    } catch (e) {
      if (e instanceof RangeError) throw new errors.InvalidArgumentError(e.message);
      throw e;
    }
  },

  async mobileSetGeolocation(latitude, longitude, altitude) {
    const settings = this.settingsOrFail();
    this.rangeGuard(() => settings.setLocation(latitude, longitude, altitude));
    this.phone.logcat.add(Date.now(), 'I', 'LocationManager', `location set to ${latitude},${longitude}`);
  },

  /** The JSONWP `POST /location` route (Appium's Python client's `set_location`). */
  async setGeoLocation(location) {
    const { latitude, longitude, altitude } = location || {};
    await this.mobileSetGeolocation(latitude, longitude, altitude);
    return this.phone.settings.location;
  },

  async getGeoLocation() {
    const location = this.settingsOrFail().location;
    if (!location) throw new errors.UnknownError('the location is not known yet');
    return location;
  },

  async mobileSetConnectivity(wifi, data, airplaneMode) {
    const settings = this.settingsOrFail();
    if (airplaneMode !== undefined) {
      settings.airplaneMode = Boolean(airplaneMode);
      this.phone.logcat.add(Date.now(), 'I', 'ConnectivityService', `airplane mode ${settings.airplaneMode ? 'on' : 'off'}`);
    }
  },

  async mobileChangePermissions(permissions, appPackage, action) {
    const appId = appPackage || this.phone.model.appId;
    this.guard(() => this.phone.app(appId));
    this.settingsOrFail().changePermissions(appId, permissions, action);
  },

  async mobileGetPermissions(type, appPackage) {
    const appId = appPackage || this.phone.model.appId;
    return this.settingsOrFail().permissionsOf(appId, type === 'denied' ? 'denied' : type === 'granted' ? 'granted' : null);
  },

  /** XCUITest's form: access {camera: 'yes' | 'no' | 'unset'}. */
  async mobileSetPermission(bundleId, access) {
    this.guard(() => this.phone.app(bundleId));
    const settings = this.settingsOrFail();
    for (const [name, value] of Object.entries(access || {})) {
      settings.changePermissions(bundleId, [name], value === 'yes' ? 'grant' : 'revoke');
    }
  },

  async mobileClearKeychains() {
    this.settingsOrFail().keychain = {};
  },

  /** XCUITest's launch with arguments (the list Maestro builds: -key value ...). */
  async mobileLaunchApp(appId, bundleId, args, environment) {
    const id = this.appIdOf(appId, bundleId);
    this.settingsOrFail().launchArguments[id] = { arguments: args || [], environment: environment || {} };
    this.phone.logcat.add(Date.now(), 'I', 'ActivityTaskManager', `START u0 ${id} with arguments ${JSON.stringify(args || [])}`);
    this.guard(() => this.phone.activate(id));
  },

  async pushFile(remotePath, base64Data) {
    const settings = this.settingsOrFail();
    this.rangeGuard(() => settings.pushFile(remotePath, Buffer.from(String(base64Data), 'base64')));
  },

  async pullFile(remotePath) {
    try {
      return this.settingsOrFail().pullFile(remotePath).toString('base64');
    } catch (e) {
      throw new errors.InvalidArgumentError(e.message);
    }
  },

  async mobileScanMedia(remotePath) {
    this.settingsOrFail().pullFile(remotePath); // fails as UiAutomator2 does for a missing file
  },

  async mobileSetClipboard(content) {
    this.settingsOrFail().clipboard = Buffer.from(String(content), 'base64').toString('utf8');
  },

  async mobileGetClipboard() {
    return Buffer.from(this.settingsOrFail().clipboard, 'utf8').toString('base64');
  },

  async mobileStartScreenRecording() {
    this.settingsOrFail().recording = { startedAt: Date.now() };
  },

  /** The simulated recording is one PNG frame of the screen as it is when recording stops. */
  async mobileStopScreenRecording() {
    const settings = this.settingsOrFail();
    if (!settings.recording) throw new errors.UnknownError('no screen recording is running');
    settings.recording = null;
    return await this.getScreenshot();
  },

  async mobileSimState() {
    return this.settingsOrFail().state();
  },

  /** A link for a browser package opens in the browser (the app's screens stay as they are). */
  openInBrowser(url, pkg) {
    if (!BROWSERS.has(pkg)) return false;
    this.settingsOrFail().browserUrl = url;
    this.phone.logcat.add(Date.now(), 'I', 'ActivityTaskManager', `START u0 ${pkg} ${url}`);
    this.phone.home();
    return true;
  },
};

module.exports = { EXECUTE_METHODS, deviceMethods };
