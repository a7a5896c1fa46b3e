// `node scripts/make-icons.mjs`: draws Floe's logo and writes the PWA icons to public/icons/.
// Dependency-free on purpose (node:zlib plus a small PNG encoder), so the icons can be rebuilt
// anywhere Node runs. The output is deterministic: same script, same bytes.
//
// The logo: a white speech bubble — an ice floe — above a white wave line, on a blue (#1677ff)
// tile. "any" icons are a rounded tile with transparent corners; the maskable icon is full-bleed
// with the logo kept inside the central 80% safe zone, since launchers crop it to any shape.
import { deflateSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BLUE = [0x16, 0x77, 0xff];
const WHITE = [0xff, 0xff, 0xff];
const SUPERSAMPLE = 4; // 4×4 samples a pixel: smooth edges without a rasteriser library

// --- PNG encoding -------------------------------------------------------------------------------

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Encodes straight (non-premultiplied) RGBA pixels, row-major, as an 8-bit truecolour+alpha PNG. */
export function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  // compression, filter method, interlace: all 0
  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter type None: the image is mostly flat, deflate copes
    rgba.copy(raw, y * (stride + 1) + 1, y * stride, (y + 1) * stride);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// --- Shapes, as signed distances in unit coordinates (negative inside) -------------------------

function roundedRect(x, y, cx, cy, hw, hh, r) {
  const qx = Math.abs(x - cx) - hw + r;
  const qy = Math.abs(y - cy) - hh + r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

/** Inside test for a triangle (the bubble's tail). */
function inTriangle(x, y, [ax, ay], [bx, by], [cx, cy]) {
  const s = (px, py, qx, qy, rx, ry) => (px - rx) * (qy - ry) - (qx - rx) * (py - ry);
  const d1 = s(x, y, ax, ay, bx, by);
  const d2 = s(x, y, bx, by, cx, cy);
  const d3 = s(x, y, cx, cy, ax, ay);
  const neg = d1 < 0 || d2 < 0 || d3 < 0;
  const pos = d1 > 0 || d2 > 0 || d3 > 0;
  return !(neg && pos);
}

/** A wave band: |y - (base + amplitude·sin)| < half thickness, limited to [x0, x1]. */
function inWave(x, y, base, x0, x1) {
  if (x < x0 || x > x1) return false;
  const t = (x - x0) / (x1 - x0);
  const centre = base + 0.022 * Math.sin(t * Math.PI * 4);
  return Math.abs(y - centre) < 0.021;
}

/** The logo's colour at a point of its unit box, or null where it is transparent. */
function logo(x, y) {
  // Bubble body: a wide rounded rectangle sitting in the upper part of the box.
  const body = roundedRect(x, y, 0.5, 0.4, 0.34, 0.25, 0.17) <= 0;
  const tail = inTriangle(x, y, [0.27, 0.55], [0.43, 0.6], [0.22, 0.75]);
  if (body || tail) return WHITE;
  // The water line under it is what makes a chat bubble read as a floe.
  if (inWave(x, y, 0.82, 0.3, 0.86)) return WHITE;
  return null;
}

// --- Rendering ----------------------------------------------------------------------------------

/**
 * Renders one icon. `tileRadius` is the tile's corner radius as a fraction of its size (0 for
 * full-bleed); the logo occupies `logoScale` of the icon, centred.
 */
function render(size, { tileRadius, logoScale }) {
  const rgba = Buffer.alloc(size * size * 4);
  const n = SUPERSAMPLE;
  const inset = (1 - logoScale) / 2;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0; // premultiplied sums over the samples
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const u = (px + (sx + 0.5) / n) / size;
          const v = (py + (sy + 0.5) / n) / size;
          const onTile = tileRadius === 0 || roundedRect(u, v, 0.5, 0.5, 0.5, 0.5, tileRadius) <= 0;
          if (!onTile) continue;
          const colour = logo((u - inset) / logoScale, (v - inset) / logoScale) ?? BLUE;
          r += colour[0]; g += colour[1]; b += colour[2]; a += 255;
        }
      }
      const i = (py * size + px) * 4;
      const covered = a / 255; // samples on the tile
      if (covered > 0) {
        rgba[i] = Math.round(r / covered);
        rgba[i + 1] = Math.round(g / covered);
        rgba[i + 2] = Math.round(b / covered);
      }
      rgba[i + 3] = Math.round(a / (n * n));
    }
  }
  return encodePng(size, size, rgba);
}

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons');
mkdirSync(outDir, { recursive: true });
const icons = {
  'icon-192.png': render(192, { tileRadius: 0.22, logoScale: 0.72 }),
  'icon-512.png': render(512, { tileRadius: 0.22, logoScale: 0.72 }),
  // The safe zone is the centred circle of radius 0.4·size. The logo's farthest point (the wave's
  // end) is ~0.5 of its box from the centre, so a 0.72 box keeps it at ~0.36·size: inside.
  'maskable-512.png': render(512, { tileRadius: 0, logoScale: 0.72 }),
};
for (const [name, png] of Object.entries(icons)) {
  writeFileSync(join(outDir, name), png);
  console.log(`public/icons/${name}  ${png.length} bytes`);
}
