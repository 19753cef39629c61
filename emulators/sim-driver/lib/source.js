// What the screen looks like to a client: UiAutomator2-style (android) or XCUITest-style (ios)
// attributes and page source, generated from the phone's node tree.
'use strict';

const SCREEN = {
  // top: below the status and app bars; bottom: the navigation bar / home indicator
  android: { width: 1080, height: 2400, top: 210, bottom: 132, margin: 48, gap: 36 },
  ios: { width: 390, height: 844, top: 100, bottom: 34, margin: 16, gap: 12 },
};

const HEIGHTS = {
  android: { Button: 144, EditText: 154, TextView: 110, ImageView: 420, CheckBox: 120, ProgressBar: 120 },
  ios: { Button: 44, EditText: 44, TextView: 30, ImageView: 160, CheckBox: 44, ProgressBar: 37 },
};

// Android short class <-> iOS element type; the model may use either.
const IOS_TYPES = {
  Button: 'Button', TextView: 'StaticText', EditText: 'TextField', ImageView: 'Image',
  CheckBox: 'Switch', Switch: 'Switch', ProgressBar: 'ActivityIndicator', FrameLayout: 'Other',
  LinearLayout: 'Other', View: 'Other', ScrollView: 'ScrollView', ListView: 'Table',
  RecyclerView: 'Table',
};
const FROM_IOS = {
  Button: 'Button', StaticText: 'TextView', TextField: 'EditText', SecureTextField: 'EditText',
  Image: 'ImageView', Switch: 'Switch', ActivityIndicator: 'ProgressBar', Other: 'View',
  ScrollView: 'ScrollView', Table: 'ListView', Cell: 'FrameLayout', Alert: 'FrameLayout',
};

/** The model's class as an Android short name (Button, EditText, ...). */
function shortClass(cls) {
  const name = String(cls).split('.').pop();
  if (name.startsWith('XCUIElementType')) return FROM_IOS[name.slice(15)] || 'View';
  return !(name in IOS_TYPES) && name in FROM_IOS ? FROM_IOS[name] : name;
}

function androidClass(cls) {
  if (String(cls).includes('.')) return cls;
  const short = shortClass(cls);
  return ['View', 'ViewGroup'].includes(short) ? `android.view.${short}` : `android.widget.${short}`;
}

function iosType(cls, password) {
  if (String(cls).startsWith('XCUIElementType')) return cls;
  const short = shortClass(cls);
  if (short === 'EditText' && password) return 'XCUIElementTypeSecureTextField';
  return `XCUIElementType${IOS_TYPES[short] || 'Other'}`;
}

/** Bounds of a screen's elements, top to bottom unless the model gives them. */
function layout(elements, dialect) {
  const s = SCREEN[dialect];
  let y = s.top;
  return elements.map((el) => {
    if (el.bounds) return el.bounds;
    const h = el.height || HEIGHTS[dialect][shortClass(el.class)] || HEIGHTS[dialect].TextView;
    const box = [s.margin, y, s.width - s.margin, y + h];
    y += h + s.gap;
    return box;
  });
}

/** The band of the window a screen's content scrolls in: [top, bottom] in pixels. */
function viewport(dialect) {
  const s = SCREEN[dialect];
  return [s.top, s.height - s.bottom];
}

/**
 * How far a screen's content can scroll down (0 when it fits the window). Elements with
 * model-given bounds stay put and do not count.
 */
function maxScroll(elements, boxes, dialect) {
  const s = SCREEN[dialect];
  const bottom = Math.max(0, ...boxes.filter((_, i) => !elements[i].bounds).map((b) => b[3]));
  return Math.max(0, bottom + s.gap - viewport(dialect)[1]);
}

/** Bounds of a centred dialog's title, message and button. */
function dialogLayout(dialect, hasTitle) {
  const s = SCREEN[dialect];
  const u = dialect === 'android' ? 1 : 0.36;
  const x1 = Math.round(s.margin * 2);
  const x2 = s.width - x1;
  const top = Math.round(s.height / 2 - 300 * u);
  const rows = [];
  let y = top + Math.round(60 * u);
  if (hasTitle) {
    rows.push([x1 + 60 * u, y, x2 - 60 * u, y + 90 * u]);
    y += Math.round(110 * u);
  }
  rows.push([x1 + 60 * u, y, x2 - 60 * u, y + 160 * u]);
  y += Math.round(200 * u);
  rows.push([x2 - 360 * u, y, x2 - 60 * u, y + 130 * u]);
  const frame = [x1, top, x2, y + Math.round(190 * u)];
  return { frame: frame.map(Math.round), rows: rows.map((r) => r.map(Math.round)) };
}

const bool = (v) => (v ? 'true' : 'false');

/** Attributes of a node exactly as the dialect's page source shows them (all strings). */
function attributes(node, dialect, index) {
  const [x1, y1, x2, y2] = node.bounds;
  const shown = node.password && node.text ? '•'.repeat(node.text.length) : node.text || '';
  if (dialect === 'android') {
    const short = shortClass(node.cls);
    const editable = short === 'EditText';
    const checkable = ['CheckBox', 'Switch'].includes(short);
    return {
      index: String(index),
      package: node.pkg,
      class: androidClass(node.cls),
      text: shown || (editable ? node.hint || '' : ''),
      'resource-id': node.rid || '',
      checkable: bool(checkable),
      checked: bool(node.checked),
      clickable: bool(node.clickable),
      enabled: bool(node.enabled !== false),
      focusable: bool(node.clickable || editable),
      focused: bool(node.focused),
      'long-clickable': bool(node.longClickable),
      password: bool(node.password),
      scrollable: bool(node.scrollable),
      selected: bool(node.selected),
      bounds: `[${x1},${y1}][${x2},${y2}]`,
      displayed: 'true',
      'content-desc': node.desc || '',
      hint: node.hint || '',
    };
  }
  const type = node.iosType || iosType(node.cls, node.password);
  const isText = type.endsWith('TextField');
  const label = node.desc || (isText ? node.hint || '' : node.text || '');
  const attrs = {
    type,
    name: node.name || node.desc || (isText ? '' : node.text || ''),
    label,
    enabled: bool(node.enabled !== false),
    visible: 'true',
    accessible: bool(node.clickable || isText || Boolean(node.text)),
    x: String(x1),
    y: String(y1),
    width: String(x2 - x1),
    height: String(y2 - y1),
    index: String(index),
  };
  if (isText || ['XCUIElementTypeSwitch'].includes(type)) {
    attrs.value = type === 'XCUIElementTypeSwitch' ? (node.checked ? '1' : '0') : shown || node.hint || '';
  }
  if (node.selected) attrs.selected = 'true';
  if (node.focused) attrs.hasFocus = 'true';
  return attrs;
}

function escapeXml(text) {
  return String(text)
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;').replace(/\n/g, '&#10;')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

/** Tag name of a node in the dialect's page source. */
function tagName(node, dialect) {
  return dialect === 'android' ? androidClass(node.cls) : node.iosType || iosType(node.cls, node.password);
}

/** Page source of a node tree; also fills node.attrs so lookups read the same values. */
function pageSource(root, dialect) {
  const s = SCREEN[dialect];
  const lines = [];
  const walk = (node, index, depth) => {
    node.attrs = attributes(node, dialect, index);
    const attrText = Object.entries(node.attrs).map(([k, v]) => `${k}="${escapeXml(v)}"`).join(' ');
    const pad = '  '.repeat(depth);
    const tag = tagName(node, dialect);
    if (!node.children.length) {
      lines.push(`${pad}<${tag} ${attrText} />`);
      return;
    }
    lines.push(`${pad}<${tag} ${attrText}>`);
    node.children.forEach((child, i) => walk(child, i, depth + 1));
    lines.push(`${pad}</${tag}>`);
  };
  if (dialect === 'android') {
    lines.push("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>");
    lines.push(`<hierarchy index="0" class="hierarchy" rotation="0" width="${s.width}" height="${s.height}">`);
    walk(root, 0, 1);
    lines.push('</hierarchy>');
  } else {
    lines.push('<?xml version="1.0" encoding="UTF-8"?>');
    lines.push('<AppiumAUT>');
    walk(root, 0, 1);
    lines.push('</AppiumAUT>');
  }
  return lines.join('\n');
}

/** Every node of a tree in document order. */
function flatten(root) {
  const out = [];
  const walk = (n) => {
    out.push(n);
    n.children.forEach(walk);
  };
  walk(root);
  return out;
}

module.exports = {
  SCREEN, layout, viewport, maxScroll, dialogLayout, pageSource, flatten, shortClass, tagName, attributes,
};
