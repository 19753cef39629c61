// The device log: plausible `logcat -v threadtime` lines written by the simulated app and system.
'use strict';

const SYSTEM_PID = 1203;
const MAX_ENTRIES = 5000;
const pad = (n, w = 2) => String(n).padStart(w, '0');

function stamp(ms) {
  const d = new Date(ms);
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:` +
    `${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

const STATUS_TEXT = {
  200: 'OK', 201: 'Created', 401: 'Unauthorized', 500: 'Internal Server Error',
  502: 'Bad Gateway', 503: 'Service Unavailable',
};

class Logcat {
  constructor() {
    this.entries = [];
    this.read = 0;
  }

  /** Adds a line; `wallMs` is when it happened (transitions are logged at their scheduled time). */
  add(wallMs, level, tag, message, pid = SYSTEM_PID, tid = pid) {
    const line = `${stamp(wallMs)} ${String(pid).padStart(5)} ${String(tid).padStart(5)} ${level} ${tag}: ${message}`;
    this.entries.push({ timestamp: Math.round(wallMs), level: 'ALL', message: line });
    if (this.entries.length > MAX_ENTRIES) { // a ring buffer, as logcat's
      const drop = this.entries.length - MAX_ENTRIES;
      this.entries.splice(0, drop);
      this.read = Math.max(0, this.read - drop);
    }
  }

  activityStart(wallMs, appId, activity, pid, cold) {
    const cmp = `${appId}/.${activity}`;
    this.add(wallMs, 'I', 'ActivityTaskManager',
      `START u0 {act=android.intent.action.MAIN cat=[android.intent.category.LAUNCHER] flg=0x10200000 cmp=${cmp}} from uid 2000`);
    if (cold) {
      this.add(wallMs, 'I', 'ActivityManager', `Start proc ${pid}:${appId}/u0a${pid % 1000} for next-top-activity {${cmp}}`);
    }
  }

  displayed(wallMs, appId, activity, ms) {
    this.add(wallMs, 'I', 'ActivityTaskManager', `Displayed ${appId}/.${activity}: +${Math.round(ms)}ms`);
  }

  request(wallMs, pid, method, url) {
    this.add(wallMs, 'I', 'okhttp.OkHttpClient', `--> ${method} ${url}`, pid, pid + 37);
  }

  response(wallMs, pid, status, url, ms) {
    this.add(wallMs, status >= 400 ? 'W' : 'I', 'okhttp.OkHttpClient',
      `<-- ${status} ${STATUS_TEXT[status] || ''} ${url} (${Math.round(ms)}ms)`, pid, pid + 37);
  }

  networkFailure(wallMs, pid, url, ms) {
    const host = url.replace(/^\w+:\/\//, '').split('/')[0];
    this.add(wallMs, 'E', 'okhttp.OkHttpClient',
      `<-- HTTP FAILED: java.net.UnknownHostException: Unable to resolve host "${host}": No address associated with hostname (${Math.round(ms)}ms)`,
      pid, pid + 37);
  }

  crash(wallMs, appId, activity, pid) {
    const lines = [
      'FATAL EXCEPTION: main',
      `Process: ${appId}, PID: ${pid}`,
      `java.lang.IllegalStateException: ${activity} could not render its content`,
      `\tat ${appId}.ui.${activity}.onCreate(${activity}.kt:42)`,
      '\tat android.app.Activity.performCreate(Activity.java:8595)',
      '\tat android.app.ActivityThread.performLaunchActivity(ActivityThread.java:3781)',
    ];
    for (const line of lines) this.add(wallMs, 'E', 'AndroidRuntime', line, pid, pid);
    this.add(wallMs + 1, 'I', 'ActivityManager', `Process ${appId} (pid ${pid}) has died: fg  TOP`);
  }

  killed(wallMs, appId, pid, reason) {
    this.add(wallMs, 'I', 'ActivityManager', `Killing ${pid}:${appId}/u0a${pid % 1000} (adj 0): ${reason}`);
  }

  /** Entries not returned yet (Appium's logcat semantics), oldest first. */
  fetch() {
    const out = this.entries.slice(this.read).sort((a, b) => a.timestamp - b.timestamp);
    this.read = this.entries.length;
    return out;
  }
}

module.exports = { Logcat };
