// QR codes for invite and link codes, rendered on the device (the link never leaves it).
// Loaded on demand: most sessions never show one, and the encoder is a large share of the bundle.
export async function qrDataUrl(text: string): Promise<string> {
  const QRCode = await import('qrcode');
  return QRCode.toDataURL(text, { errorCorrectionLevel: 'M', margin: 2, width: 240 });
}
