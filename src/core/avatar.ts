// The default avatar: a symmetric 5×5 identicon whose pattern and colour come from the account's
// public key, so every device draws the same face for the same person without syncing an image.
import { fromBase64Url } from './bytes.ts';

export function defaultAvatarSvg(accountId: string): string {
  const key = fromBase64Url(accountId) ?? new Uint8Array(32);
  const hue = ((key[0]! << 8) | key[1]!) % 360;
  const fg = `hsl(${hue} 62% 48%)`;
  const bg = `hsl(${hue} 70% 93%)`;
  let cells = '';
  for (let row = 0; row < 5; row++) {
    for (let col = 0; col < 3; col++) {
      const byte = key[2 + row * 3 + col]!;
      if ((byte & 1) === 0) continue;
      for (const x of col === 2 ? [2] : [col, 4 - col]) cells += `<rect x="${x + 1}" y="${row + 1}" width="1" height="1"/>`;
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 7 7"><rect width="7" height="7" fill="${bg}"/><g fill="${fg}">${cells}</g></svg>`;
}

export const defaultAvatarUrl = (accountId: string): string =>
  `data:image/svg+xml;charset=utf-8,${encodeURIComponent(defaultAvatarSvg(accountId))}`;
