// The one shape of every HTTP error the relay answers (except the 503 "app not built" page,
// which is meant for a person in a browser): `{"error":{"code":"...","message":"..."}}`.
//
// Invariants: `code` is a stable snake_case token clients may branch on; `message` is a fixed
// English sentence for people and never echoes request input.
import type { ServerResponse } from 'node:http';

export type HttpErrorCode =
  | 'bad_path'
  | 'not_found'
  | 'method_not_allowed'
  | 'upgrade_required'
  | 'unavailable'
  | 'internal';

/** The JSON body of an error; also written by hand on raw sockets for refused upgrades. */
export function errorBody(code: HttpErrorCode, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

export function sendError(
  res: ServerResponse,
  status: number,
  code: HttpErrorCode,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(code, message);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
