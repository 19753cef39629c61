// Element lookup on the current node tree: id, accessibility id, class name, xpath (a real XPath
// engine on the page source), -android uiautomator and -ios predicate string basics.
'use strict';

const { DOMParser } = require('@xmldom/xmldom');
const xpath = require('xpath');
const { pageSource, flatten } = require('./source');
const { fullMatcher, PatternTimeout } = require('./regex');

class InvalidSelector extends Error {}

const STRATEGIES = [
  'id', 'accessibility id', 'class name', 'xpath', '-android uiautomator',
  '-ios predicate string', 'css selector',
];

/** Nodes (document order) matching a selector, searched under `context` (a node) or the whole tree. */
function find(root, dialect, strategy, selector, context = null) {
  try {
    return findIn(root, dialect, strategy, selector, context);
  } catch (e) {
    if (e instanceof PatternTimeout) throw new InvalidSelector(e.message);
    if (e instanceof SyntaxError) throw new InvalidSelector(`Invalid pattern in '${selector}': ${e.message}`);
    throw e;
  }
}

function findIn(root, dialect, strategy, selector, context) {
  pageSource(root, dialect); // fills node.attrs
  const scope = context ? flatten(context).slice(1) : flatten(root);
  const elements = scope.filter((n) => !n.launcher || context);
  switch (strategy) {
    case 'id':
      return elements.filter((n) => matchesId(n, dialect, selector));
    case 'accessibility id':
      return elements.filter((n) =>
        dialect === 'android' ? n.attrs['content-desc'] === selector : n.attrs.name === selector);
    case 'class name':
      return elements.filter((n) => (dialect === 'android' ? n.attrs.class : n.attrs.type) === selector);
    case 'xpath':
      return byXpath(root, dialect, selector, context);
    case '-android uiautomator':
      return byUiSelector(elements, selector);
    case '-ios predicate string':
      return byPredicate(elements, selector);
    case 'css selector':
      return byCss(elements, dialect, selector);
    default:
      throw new InvalidSelector(`Locator strategy '${strategy}' is not supported`);
  }
}

function matchesId(n, dialect, id) {
  if (dialect === 'ios') return n.attrs.name === id;
  const rid = n.attrs['resource-id'];
  return rid === id || (!id.includes(':id/') && rid === `${n.pkg}:id/${id}`);
}

function byXpath(root, dialect, selector, context) {
  const xml = pageSource(root, dialect);
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  // Pair DOM elements with nodes: both walks are in document order.
  const top = doc.documentElement; // <hierarchy> or <AppiumAUT>, around the root node
  const domNodes = [];
  const walkDom = (e) => {
    for (let c = e.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === 1) {
        domNodes.push(c);
        walkDom(c);
      }
    }
  };
  walkDom(top);
  const nodes = flatten(root);
  const byDom = new Map(domNodes.map((d, i) => [d, nodes[i]]));
  const contextDom = context ? domNodes[nodes.indexOf(context)] : doc;
  let result;
  try {
    result = xpath.select(selector, contextDom);
  } catch (e) {
    throw new InvalidSelector(`Invalid XPath expression '${selector}': ${e.message}`);
  }
  if (!Array.isArray(result)) {
    throw new InvalidSelector(`XPath '${selector}' must select elements, it returned ${typeof result}`);
  }
  return result.filter((d) => byDom.has(d)).map((d) => byDom.get(d));
}

// new UiSelector().resourceId("x").text("y") ... : each call narrows the match.
const UI_METHODS = {
  text: (a, v) => a.text === v,
  textContains: (a, v) => a.text.includes(v),
  textStartsWith: (a, v) => a.text.startsWith(v),
  textMatches: (a, v) => fullMatcher(v)(a.text),
  resourceId: (a, v) => a['resource-id'] === v,
  resourceIdMatches: (a, v) => fullMatcher(v)(a['resource-id']),
  description: (a, v) => a['content-desc'] === v,
  descriptionContains: (a, v) => a['content-desc'].includes(v),
  descriptionStartsWith: (a, v) => a['content-desc'].startsWith(v),
  descriptionMatches: (a, v) => fullMatcher(v)(a['content-desc']),
  className: (a, v) => a.class === v || a.class.endsWith(`.${v}`),
  classNameMatches: (a, v) => fullMatcher(v)(a.class),
  packageName: (a, v) => a.package === v,
  clickable: (a, v) => a.clickable === String(v),
  enabled: (a, v) => a.enabled === String(v),
  checked: (a, v) => a.checked === String(v),
  selected: (a, v) => a.selected === String(v),
  focused: (a, v) => a.focused === String(v),
  index: (a, v) => a.index === String(v),
};

function parseUiArgs(raw, selector) {
  const text = raw.trim();
  if (text === '') return undefined;
  if (text.startsWith('"')) {
    try {
      return JSON.parse(text);
    } catch {
      throw new InvalidSelector(`Bad string argument ${text} in '${selector}'`);
    }
  }
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^\d+$/.test(text)) return Number(text);
  throw new InvalidSelector(`Unsupported argument ${text} in '${selector}'`);
}

function byUiSelector(elements, selector) {
  const body = selector.trim().replace(/;$/, '');
  const m = /^(?:new\s+UiSelector\(\))?((?:\s*\.\s*\w+\((?:"(?:[^"\\]|\\.)*"|[^()"]*)\))+)\s*$/.exec(body);
  if (!m) throw new InvalidSelector(`Unsupported UiSelector '${selector}' (use new UiSelector().text("...") and similar)`);
  const calls = [...m[1].matchAll(/\.\s*(\w+)\(("(?:[^"\\]|\\.)*"|[^()"]*)\)/g)];
  let instance = null;
  const tests = [];
  for (const [, name, raw] of calls) {
    const value = parseUiArgs(raw, selector);
    if (name === 'instance') {
      instance = value;
    } else if (UI_METHODS[name]) {
      tests.push((a) => UI_METHODS[name](a, value));
    } else {
      throw new InvalidSelector(`UiSelector method '${name}' is not supported by RondeSim`);
    }
  }
  const found = elements.filter((n) => tests.every((t) => t(n.attrs)));
  return instance === null ? found : found.slice(instance, instance + 1);
}

// name == 'x' AND label CONTAINS[c] "y" OR type == 'XCUIElementTypeButton'
function byPredicate(elements, selector) {
  const tokens = selector.split(/\s+(AND|OR|&&|\|\|)\s+/i);
  const clauses = [];
  for (let i = 0; i < tokens.length; i += 2) {
    const m = /^\s*(\w+)\s*(==|!=|=|CONTAINS|BEGINSWITH|ENDSWITH|LIKE|MATCHES)(\[[cd]+\])?\s*(['"])(.*)\4\s*$/i.exec(tokens[i]);
    const bm = /^\s*(\w+)\s*(==|=)\s*(true|false|1|0|YES|NO)\s*$/i.exec(tokens[i]);
    if (!m && !bm) throw new InvalidSelector(`Unsupported predicate clause '${tokens[i]}' in '${selector}'`);
    const op = i === 0 ? 'AND' : tokens[i - 1].toUpperCase().replace('&&', 'AND').replace('||', 'OR');
    clauses.push({ op, test: m ? predicateTest(m) : boolTest(bm) });
  }
  return elements.filter((n) => {
    let ok = null;
    for (const { op, test } of clauses) {
      const r = test(n.attrs);
      ok = ok === null ? r : op === 'AND' ? ok && r : ok || r;
    }
    return ok;
  });
}

function predicateTest([, attr, rawOp, flags = '', , value]) {
  const op = rawOp.toUpperCase();
  const fold = (s) => (flags.includes('c') ? String(s).toLowerCase() : String(s));
  const want = fold(value);
  return (a) => {
    const have = fold(a[attr] ?? '');
    switch (op) {
      case '==': case '=': return have === want;
      case '!=': return have !== want;
      case 'CONTAINS': return have.includes(want);
      case 'BEGINSWITH': return have.startsWith(want);
      case 'ENDSWITH': return have.endsWith(want);
      case 'MATCHES': return fullMatcher(value, flags.includes('c') ? 'i' : '')(a[attr] ?? '');
      default: { // LIKE with * and ?
        const re = want.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
        return fullMatcher(re)(have);
      }
    }
  };
}

function boolTest([, attr, , raw]) {
  const want = ['true', '1', 'yes'].includes(raw.toLowerCase()) ? 'true' : 'false';
  return (a) => (a[attr] === '1' ? 'true' : a[attr] === '0' ? 'false' : a[attr]) === want;
}

// What Selenium sends for By.ID / By.NAME: #id, [id="x"], [name="x"]
function byCss(elements, dialect, selector) {
  const sel = selector.trim();
  let m = /^#([\w-]+)$/.exec(sel) || /^\[id\s*=\s*["']?([^"'\]]+)["']?\]$/.exec(sel);
  if (m) return elements.filter((n) => matchesId(n, dialect, m[1].replace(/\\/g, '')));
  m = /^\*?\[name\s*=\s*["']?([^"'\]]+)["']?\]$/.exec(sel);
  if (m) return elements.filter((n) => (n.attrs.name ?? n.attrs['content-desc']) === m[1]);
  throw new InvalidSelector(`CSS selector '${selector}' is not supported in a native context (use id or xpath)`);
}

module.exports = { find, STRATEGIES, InvalidSelector };
