// The ledger's signing prefixes on their own, so that checkpoint.ts (whose schemas the /v1
// protocol parses on every connection) does not pull the whole transfer module into the app's
// first-screen script. transfer.ts re-exports it; see its invariants for what the prefixes separate.

/** Prefixes that separate what the keys sign (see the invariants in transfer.ts). */
export const SIGNING_CONTEXT = {
  transfer: 'floe/v1/ledger-transfer',
  checkpoint: 'floe/v1/ledger-checkpoint',
  receipt: 'floe/v1/ledger-receipt',
} as const;
