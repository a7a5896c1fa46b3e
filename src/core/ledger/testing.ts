// A payer for tests (unit, conformance, integration, bank, benchmark): an account key and the
// head of its hash chain, making signed transfers the way the app does. Not used by the app.
//
// Invariant: `sign` never advances the chain; `settled` does, once the relay has receipted the
// transfer. So a test can make a transfer, lose it, and retry exactly the same one.
import { generateSigningKeyPair } from '../crypto.ts';
import { toBase64Url } from '../bytes.ts';
import type { AccountId } from '../ids.ts';
import { newTransferId, signTransfer, transferHash, ZERO_HASH, type SignedTransfer, type TransferBody } from './transfer.ts';

export class TestAccount {
  seq = 0;
  head = ZERO_HASH;

  private constructor(
    readonly id: AccountId,
    readonly privateKey: Uint8Array,
  ) {}

  static async create(): Promise<TestAccount> {
    const pair = await generateSigningKeyPair();
    return new TestAccount(toBase64Url(pair.publicKey) as AccountId, pair.privateKey);
  }

  static fromKeys(id: AccountId, privateKey: Uint8Array): TestAccount {
    return new TestAccount(id, privateKey);
  }

  /** The next transfer in this account's chain, signed; `over` replaces any field before signing. */
  sign(to: AccountId, amount: number, over: Partial<TransferBody> = {}): Promise<SignedTransfer> {
    const body: TransferBody = {
      v: 1,
      id: newTransferId(),
      from: this.id,
      to,
      amount,
      seq: this.seq + 1,
      prev: this.head,
      kind: 'transfer',
      memo: '',
      created: 1_767_225_600_000,
      ...over,
    };
    return signTransfer(this.privateKey, body);
  }

  /** Advance the chain past `t` (it settled). */
  async settled(t: SignedTransfer): Promise<void> {
    this.seq = t.seq;
    this.head = await transferHash(t);
  }
}
