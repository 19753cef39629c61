// Bounded regular expressions for selectors sent by clients (UiSelector *Matches, predicate
// MATCHES/LIKE): V8's backtracking engine runs a match to its end without yielding, so one
// pattern like (a|a)+$ on a long text would freeze the whole Appium server (its event loop).
// Each match runs in a vm context with a timeout, which interrupts even a running regex.
'use strict';

const vm = require('vm');

const MATCH_TIMEOUT_MS = 500;

class PatternTimeout extends Error {}

const context = vm.createContext({});
const run = new vm.Script('re.lastIndex = 0, re.test(value)');

const cache = new Map(); // a selector is tested against every element: compile it once

/** `(value) => boolean` for `^(?:source)$`, each call bounded; a bad pattern throws SyntaxError. */
function fullMatcher(source, flags = '') {
  const key = `${flags}/${source}`;
  let matcher = cache.get(key);
  if (!matcher) {
    if (cache.size >= 256) cache.clear();
    matcher = bounded(source, new RegExp(`^(?:${source})$`, flags));
    cache.set(key, matcher);
  }
  return matcher;
}

function bounded(source, re) {
  return (value) => {
    context.re = re;
    context.value = String(value ?? '');
    try {
      return run.runInContext(context, { timeout: MATCH_TIMEOUT_MS }) === true;
    } catch (e) {
      if (e && e.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
        throw new PatternTimeout(
          `selector pattern '${source}' took longer than ${MATCH_TIMEOUT_MS}ms to match: simplify it`);
      }
      throw e;
    } finally {
      context.re = null;
      context.value = null;
    }
  };
}

module.exports = { fullMatcher, PatternTimeout, MATCH_TIMEOUT_MS };
