// The simulated phone's settings beyond its screen: location, airplane mode, permissions,
// keychain, clipboard, files (the gallery) and screen recording. Maestro's device commands
// change them through standard Appium calls (device.js); `mobile: simState` shows them to tests.
'use strict';

// Folders whose pictures and videos the gallery shows (Android), as MediaStore indexes them.
const GALLERY_DIRS = ['/sdcard/Pictures/', '/sdcard/DCIM/', '/sdcard/Movies/', '/sdcard/Download/'];
const MAX_FILE_BYTES = 100 * 1024 * 1024;

class DeviceSettings {
  /** @param {object} model the app model; its optional `keychain:` mapping seeds the keychain */
  constructor(model) {
    this.location = null; // {latitude, longitude, altitude}
    this.airplaneMode = false;
    this.permissions = {}; // appId -> {permission: 'granted' | 'denied'}
    this.keychain = { ...(model.keychain || {}) };
    this.clipboard = '';
    this.files = {}; // remote path -> Buffer
    this.gallery = []; // remote paths the gallery shows, in the order they were added
    this.recording = null; // {startedAt, frames}
    this.launchArguments = {}; // appId -> the arguments of its last launch
  }

  setLocation(latitude, longitude, altitude = 0) {
    const lat = Number(latitude);
    const lon = Number(longitude);
    if (!Number.isFinite(lat) || Math.abs(lat) > 90 || !Number.isFinite(lon) || Math.abs(lon) > 180) {
      throw new RangeError(`not a location: latitude ${latitude}, longitude ${longitude}`);
    }
    this.location = { latitude: lat, longitude: lon, altitude: Number(altitude) || 0 };
    return this.location;
  }

  /** `grant` or `revoke` each permission ('all': every permission the app has asked for). */
  changePermissions(appId, permissions, action) {
    const granted = String(action || 'grant').toLowerCase() === 'grant';
    const names = permissions === 'all' || (Array.isArray(permissions) && permissions.includes('all'))
      ? ['all'] : [].concat(permissions).map(String);
    const app = (this.permissions[appId] ||= {});
    if (names[0] === 'all') {
      for (const key of Object.keys(app)) delete app[key];
    }
    for (const name of names) app[name] = granted ? 'granted' : 'denied';
  }

  /** The permissions of an app, by state ('granted' | 'denied'). */
  permissionsOf(appId, state) {
    const app = this.permissions[appId] || {};
    return Object.keys(app).filter((name) => !state || app[name] === state);
  }

  pushFile(remotePath, data) {
    if (data.length > MAX_FILE_BYTES) throw new RangeError(`the file is larger than ${MAX_FILE_BYTES} bytes`);
    const path = String(remotePath);
    this.files[path] = data;
    const inGallery = GALLERY_DIRS.some((dir) => path.startsWith(dir)) || !/^[/@]/.test(path);
    if (inGallery && !this.gallery.includes(path)) this.gallery.push(path);
  }

  pullFile(remotePath) {
    const data = this.files[String(remotePath)];
    if (!data) throw new Error(`no file at '${remotePath}'`);
    return data;
  }

  /**
   * The text an element with `shows:` displays: location, airplane, clipboard, gallery,
   * keychain, browser, permission:<name> or argument:<name> (of the app's last launch).
   */
  show(what, appId) {
    const [kind, name] = String(what).split(':');
    if (kind === 'location') {
      return this.location ? `${this.location.latitude}, ${this.location.longitude}` : 'unknown';
    }
    if (kind === 'airplane') return this.airplaneMode ? 'Airplane mode on' : 'Airplane mode off';
    if (kind === 'clipboard') return this.clipboard;
    if (kind === 'gallery') return `${this.gallery.length} in gallery`;
    if (kind === 'keychain') return Object.keys(this.keychain).join(', ') || 'keychain empty';
    if (kind === 'browser') return this.browserUrl || 'no browser';
    if (kind === 'permission') {
      const app = this.permissions[appId] || {};
      return `${name} ${app[name] || app.all || 'unset'}`;
    }
    if (kind === 'argument') {
      const args = (this.launchArguments[appId] || {}).arguments || [];
      const at = args.indexOf(`-${name}`);
      return at >= 0 && at + 1 < args.length ? `${name}=${args[at + 1]}` : `${name} not given`;
    }
    return '';
  }

  state() {
    return {
      location: this.location,
      airplaneMode: this.airplaneMode,
      permissions: this.permissions,
      keychain: Object.keys(this.keychain),
      clipboard: this.clipboard,
      gallery: this.gallery.map((p) => ({ path: p, size: this.files[p].length })),
      recording: Boolean(this.recording),
      launchArguments: this.launchArguments,
      browserUrl: this.browserUrl || null,
    };
  }
}

module.exports = { DeviceSettings, GALLERY_DIRS };
