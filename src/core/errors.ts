// Expected failures are values with a stable code the UI can translate; unexpected ones throw.

export type FloeErrorCode =
  | 'invite/damaged'
  | 'invite/unsupported-version'
  | 'invite/bad-signature'
  | 'invite/expired'
  | 'invite/self'
  | 'invite/already-contact'
  | 'group/unavailable'
  | 'group/stale'
  | 'group/full'
  | 'group/already-member'
  | 'group/not-allowed'
  | 'group/not-member'
  | 'hello/damaged'
  | 'hello/bad-signature'
  | 'hello/wrong-invite'
  | 'message/invalid'
  | 'message/bad-signature'
  | 'message/unknown-device'
  | 'recall/unknown-message'
  | 'recall/not-author'
  | 'recall/too-late'
  | 'mention/not-member'
  | 'link/wrong-code'
  | 'link/malformed'
  | 'link/offline'
  | 'link/expired'
  | 'link/used'
  | 'link/declined'
  | 'link/damaged'
  | 'input/empty'
  | 'input/too-long'
  | 'input/too-short'
  | 'backup/wrong-passphrase'
  | 'backup/damaged'
  | 'backup/unsupported-version'
  | 'presence/invalid'
  | 'pay/invalid-amount'
  | 'pay/self'
  | 'pay/refused';

export class FloeError extends Error {
  override readonly name = 'FloeError';
  constructor(
    readonly code: FloeErrorCode,
    message: string,
    /** Values the translated message needs besides the code, e.g. `{ max: 64 }` for input/too-long. */
    readonly params?: Readonly<Record<string, string | number>>,
  ) {
    super(message);
  }
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: FloeError };
export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(code: FloeErrorCode, message: string, params?: Record<string, string | number>): Result<T> => ({
  ok: false,
  error: new FloeError(code, message, params),
});
