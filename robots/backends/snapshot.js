// One call returns the page as the robot sees it: every element under <body> with its own text,
// id, label, rectangle (CSS px, viewport-relative) and state, plus the matches of the journey's
// CSS selectors. Elements are kept in window.__ronde so a tap can ask for one by index.
(function (cssQueries) {
  var nav = performance.getEntriesByType('navigation')[0];
  var out = {url: location.href, ready: document.readyState,
             // the main document's HTTP status (Navigation Timing), 0 or null when unknown
             status: nav && nav.responseStatus ? nav.responseStatus : null,
             width: window.innerWidth, height: window.innerHeight, elements: [], css: {},
             // when this document's first byte arrived (epoch ms): nothing of it existed before
             docStart: nav && nav.responseStart > 0 ? performance.timeOrigin + nav.responseStart
                                                    : null,
             // when the browser began navigating to it (epoch ms): it had the action by then
             navStart: nav ? performance.timeOrigin : null};
  var body = document.body;
  window.__ronde = [];
  if (!body) { return JSON.stringify(out); }
  var all = [body].concat(Array.prototype.slice.call(body.querySelectorAll('*'), 0, 4000));
  var skip = {SCRIPT: 1, STYLE: 1, NOSCRIPT: 1, TEMPLATE: 1, META: 1, LINK: 1, HEAD: 1};
  var index = new Map();
  var active = document.activeElement;
  for (var i = 0; i < all.length; i++) {
    var el = all[i];
    if (skip[el.tagName]) { continue; }
    var parentIdx = index.has(el.parentElement) ? index.get(el.parentElement) : null;
    var style = window.getComputedStyle(el);
    var r = el.getBoundingClientRect();
    var shown = style.display !== 'none' && style.visibility !== 'hidden' &&
                parseFloat(style.opacity || '1') > 0 && r.width > 0 && r.height > 0;
    var text = '';
    var tag = el.tagName;
    var type = (el.getAttribute('type') || '').toLowerCase();
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') {
      text = type === 'password' ? '\u2022'.repeat((el.value || '').length) : (el.value || '');
      if (tag === 'INPUT' && (type === 'submit' || type === 'button')) { text = el.value || ''; }
    } else {
      for (var c = el.firstChild; c; c = c.nextSibling) {
        if (c.nodeType === 3) { text += c.nodeValue; }
      }
    }
    text = text.replace(/\s+/g, ' ').trim();
    var idx = out.elements.length;
    index.set(el, idx);
    window.__ronde.push(el);
    out.elements.push({
      cls: (el.getAttribute('role') === 'progressbar' || el.getAttribute('aria-busy') === 'true')
        ? 'progress' : tag.toLowerCase(),
      text: text, id: el.id || '',
      label: el.getAttribute('aria-label') || el.getAttribute('alt') ||
             el.getAttribute('title') || '',
      hint: el.getAttribute('placeholder') || '',
      x: r.left, y: r.top, w: r.width, h: r.height, shown: shown,
      enabled: !el.disabled, checked: !!el.checked, focused: el === active,
      selected: !!el.selected || el.getAttribute('aria-selected') === 'true',
      password: type === 'password',
      editable: tag === 'TEXTAREA' || el.isContentEditable ||
                (tag === 'INPUT' && ['button', 'submit', 'checkbox', 'radio', 'hidden', 'image',
                                     'reset'].indexOf(type) < 0),
      parent: parentIdx
    });
  }
  for (var q = 0; q < cssQueries.length; q++) {
    var hits = [];
    try {
      var found = document.querySelectorAll(cssQueries[q]);
      for (var k = 0; k < found.length; k++) {
        if (index.has(found[k])) { hits.push(index.get(found[k])); }
      }
    } catch (e) { hits = []; }
    out.css[cssQueries[q]] = hits;
  }
  return JSON.stringify(out);
})(arguments[0] || []);
