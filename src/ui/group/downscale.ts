// Turns a chosen picture into a small square JPEG data URL (the group log keeps at most 48,000
// characters per picture, and every member's device stores it). Browser-only: uses a canvas.
const SIZE = 96;

export async function downscaleImage(file: Blob): Promise<string | null> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return null; // not an image the browser can decode
  }
  const side = Math.min(bitmap.width, bitmap.height);
  const canvas = document.createElement('canvas');
  canvas.width = SIZE;
  canvas.height = SIZE;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  // Centre crop to a square, then scale.
  ctx.drawImage(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side, 0, 0, SIZE, SIZE);
  bitmap.close();
  for (const quality of [0.85, 0.6, 0.4]) {
    const url = canvas.toDataURL('image/jpeg', quality);
    if (url.length <= 48_000) return url;
  }
  return null;
}
