// Catching a relay that shows different histories to different people (a split view).
//
// Every device keeps the newest ledger checkpoint it has verified, and passes it to its contacts
// inside the chats they share (each conversation doc has a `checkpoints` map, one entry per
// account). Whenever a device sees a checkpoint — from the relay or from a contact — it relates it
// to its own: same size and different roots is proof of a fork; different sizes need the relay's
// consistency proof, which a relay that forked its log cannot produce. Either failure keeps both
// signed checkpoints as evidence and is shown to the user.
import { type Audited, relateCheckpoints, verifyCheckpoint, verifyConsistency, type SignedCheckpoint } from '../core/ledger/index.ts';
import { decodeHashes } from '../core/ledger/index.ts';
import { MailboxClient, MailboxError } from '../net/mailbox.ts';

type Client = MailboxClient;

export type AuditOutcome = { kind: 'consistent'; newest: SignedCheckpoint } | { kind: 'split-view'; message: string; evidence: [SignedCheckpoint, SignedCheckpoint] } | { kind: 'ignored'; why: string };

/** Asks the relay to prove that `older` is a prefix of `newer`. */
export async function consistencyProof(mailbox: Client, older: SignedCheckpoint, newer: SignedCheckpoint): Promise<Uint8Array[] | null> {
  const f = await mailbox.request({ t: 'consistency', id: MailboxClient.newPushId(), from: older.size, to: newer.size });
  return f.header.t === 'consistency' ? decodeHashes(f.body) : null;
}

/**
 * Relates a checkpoint someone showed us (`theirs`, unverified input) to our newest verified one.
 * `prove` fetches a consistency proof from the relay. Pure apart from that call.
 */
export async function auditCheckpoint(
  log: string,
  mine: SignedCheckpoint | null,
  theirs: unknown,
  prove: (older: SignedCheckpoint, newer: SignedCheckpoint) => Promise<Uint8Array[] | null>,
): Promise<AuditOutcome> {
  const checked: Audited<SignedCheckpoint> = await verifyCheckpoint(theirs, log);
  if (!checked.ok) return { kind: 'ignored', why: checked.message }; // not signed by our relay's ledger key: proves nothing
  if (!mine) return { kind: 'consistent', newest: checked.value };
  const relation = relateCheckpoints(mine, checked.value);
  if (relation.kind === 'same') return { kind: 'consistent', newest: mine };
  if (relation.kind === 'split-view') {
    return { kind: 'split-view', message: 'Your relay showed two different coin histories of the same length.', evidence: relation.evidence };
  }
  let proof: Uint8Array[] | null;
  try {
    proof = await prove(relation.older, relation.newer);
  } catch (error) {
    // Unreachable is not evidence; a relay that answers but cannot prove is.
    if (error instanceof MailboxError && (error.code === 'disconnected' || error.code === 'unavailable' || error.code === 'rate-limited')) {
      return { kind: 'ignored', why: 'the relay could not be asked right now' };
    }
    proof = null;
  }
  const consistent = proof ? await verifyConsistency(relation.older, relation.newer, proof) : null;
  if (!consistent?.ok) {
    return {
      kind: 'split-view',
      message: 'Your relay cannot prove that the coin history it showed your contact extends the one it showed you.',
      evidence: [relation.older, relation.newer],
    };
  }
  return { kind: 'consistent', newest: relation.newer };
}
