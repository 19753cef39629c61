// A PNG of the current screen drawn from the node tree: boxes for widgets, blocks for letters.
// A screen without elements is one uniform colour (white in an app, dark on the launcher).
'use strict';

const zlib = require('node:zlib');
const { SCREEN, shortClass } = require('./source');

const WHITE = [255, 255, 255];
const INK = [33, 33, 33];
const PRIMARY = [30, 111, 217];
const BORDER = [158, 158, 158];
const LAUNCHER = [38, 50, 56];

// Rows are stored as PNG scanlines (a filter byte, then RGB) so encoding is one deflate call.
class Canvas {
  constructor(width, height, colour) {
    this.width = width;
    this.height = height;
    this.stride = width * 3 + 1;
    this.data = Buffer.alloc(this.stride * height); // filter byte 0 (None) on every row
    this.fill(0, 0, width, height, colour);
  }

  fill(x1, y1, x2, y2, [r, g, b]) {
    const { width, height, data, stride } = this;
    const xa = Math.max(0, Math.round(x1));
    const xb = Math.min(width, Math.round(x2));
    if (xb <= xa) return;
    const segment = Buffer.alloc((xb - xa) * 3);
    for (let i = 0; i < segment.length; i += 3) {
      segment[i] = r;
      segment[i + 1] = g;
      segment[i + 2] = b;
    }
    for (let y = Math.max(0, Math.round(y1)); y < Math.min(height, Math.round(y2)); y++) {
      segment.copy(data, y * stride + 1 + xa * 3);
    }
  }

  frame(x1, y1, x2, y2, w, colour) {
    this.fill(x1, y1, x2, y1 + w, colour);
    this.fill(x1, y2 - w, x2, y2, colour);
    this.fill(x1, y1, x1 + w, y2, colour);
    this.fill(x2 - w, y1, x2, y2, colour);
  }

  dim(factor) {
    const { data, stride, height } = this;
    for (let y = 0; y < height; y++) {
      const end = (y + 1) * stride;
      for (let i = y * stride + 1; i < end; i++) data[i] = (data[i] * factor + 0.5) | 0;
    }
  }

  /** Letters as blocks: enough to see where text is and how long it is. */
  text(str, [x1, y1, x2, y2], colour, centred) {
    const h = Math.max(4, Math.min((y2 - y1) * 0.42, (x2 - x1) / 14));
    const w = h * 0.6;
    const chars = [...str].slice(0, Math.floor((x2 - x1 - 2 * w) / w));
    let x = centred ? (x1 + x2 - chars.length * w) / 2 : x1 + w;
    const y = (y1 + y2 - h) / 2;
    for (const ch of chars) {
      if (ch.trim()) this.fill(x + w * 0.1, y, x + w * 0.8, y + h, colour);
      x += w;
    }
  }

  encode() {
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(this.width, 0);
    ihdr.writeUInt32BE(this.height, 4);
    ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', zlib.deflateSync(this.data, { level: 1 })),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  }
}

function chunk(type, body) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body, zlib.crc32(type)) >>> 0, 0);
  return Buffer.concat([head, body, crc]);
}

function drawNode(canvas, node) {
  const b = node.bounds;
  const cls = shortClass(node.cls);
  const u = Math.max(2, Math.round((b[2] - b[0]) / 250));
  if (node.dialog) {
    canvas.dim(0.45);
    canvas.fill(...b, WHITE);
  } else if (cls === 'Button') {
    canvas.fill(...b, node.enabled === false ? BORDER : PRIMARY);
    canvas.text(node.text || node.desc || '', b, WHITE, true);
  } else if (cls === 'EditText') {
    canvas.frame(...b, u, BORDER);
    const shown = node.password && node.text ? '•'.repeat(node.text.length) : node.text || node.hint || '';
    canvas.text(shown, b, node.text ? INK : BORDER, false);
  } else if (['CheckBox', 'Switch'].includes(cls)) {
    const s = b[3] - b[1];
    canvas.frame(b[0], b[1], b[0] + s, b[3], u, PRIMARY);
    if (node.checked) canvas.fill(b[0] + 3 * u, b[1] + 3 * u, b[0] + s - 3 * u, b[3] - 3 * u, PRIMARY);
    canvas.text(node.text || '', [b[0] + s, b[1], b[2], b[3]], INK, false);
  } else if (cls === 'ImageView') {
    canvas.fill(...b, [207, 216, 220]);
  } else if (cls === 'ProgressBar') {
    canvas.frame(...b, u * 2, PRIMARY);
  } else {
    canvas.text(node.text || node.desc || '', b, INK, false);
  }
  for (const child of node.children) drawNode(canvas, child);
}

/** PNG bytes of a node tree (phone.tree()). */
function screenshot(root, dialect) {
  const { width, height } = SCREEN[dialect];
  const canvas = new Canvas(width, height, root.launcher ? LAUNCHER : WHITE);
  if (root.launcher) {
    const s = width / 6;
    for (let i = 0; i < 4; i++) canvas.fill(s * (0.5 + 1.4 * i), height - 2 * s, s * (1.5 + 1.4 * i), height - s, WHITE);
  }
  for (const child of root.children) drawNode(canvas, child);
  return canvas.encode();
}

module.exports = { screenshot };
