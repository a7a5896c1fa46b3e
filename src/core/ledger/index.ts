// The coin ledger's pure core, for the app and the relay: the transfer format and its rules,
// the RFC 6962 log, what the relay signs, and what clients verify. See docs/protocol.md.
export * from './refusal.ts';
export * from './transfer.ts';
export * from './rules.ts';
export * from './replay.ts';
export * from './merkle.ts';
export * from './checkpoint.ts';
export * from './audit.ts';
export * from './wire.ts';
export * from './redpacket.ts';
export * from './redpacket-kinds.ts';
export * from './redpacket-audit.ts';
