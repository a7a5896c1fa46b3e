// A /v1 ledger client for integration tests, over the raw V1Client: one method per ledger
// request, each waiting for the answer (or `error`) that carries its id. Bodies are decoded
// with the same helpers the app uses (src/core/ledger/wire.ts).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromBase64Url } from '../../src/core/bytes.ts';
import type { AccountId } from '../../src/core/ids.ts';
import type { Receipt } from '../../src/core/ledger/checkpoint.ts';
import { TestAccount } from '../../src/core/ledger/testing.ts';
import type { SignedTransfer } from '../../src/core/ledger/transfer.ts';
import { decodeHashes, splitTransferLines } from '../../src/core/ledger/wire.ts';
import type { ClientHeader, ServerHeader } from '../../src/core/protocol.ts';
import { V1Client, type Received } from './v1-client.ts';

export const v1Url = (signalUrl: string) => signalUrl.replace('/signal', '/v1');
export const requestId = () => randomBytes(9).toString('base64url');

type Answer<T extends ServerHeader['t']> = Extract<ServerHeader, { t: T }> | Extract<ServerHeader, { t: 'error' }>;

export class LedgerClient {
  constructor(readonly v1: V1Client) {}

  static async connect(url: string): Promise<LedgerClient> {
    return new LedgerClient(await V1Client.connect(url));
  }

  /** Sends a request and resolves with the frame answering its id. */
  async request(header: Extract<ClientHeader, { id: string }>, ms = 15_000): Promise<Received> {
    const from = this.v1.frames.length;
    this.v1.send(header);
    return this.v1.next((f) => 'id' in f.header && f.header.id === header.id, from, ms);
  }

  /** The schema checked the receipt's shape; its id is then a TransferId (the app re-verifies it). */
  async transfer(t: SignedTransfer | Record<string, unknown>, id = String(t.id)): Promise<{ t: 'receipt'; id: string; receipt: Receipt } | Extract<ServerHeader, { t: 'error' }>> {
    return (await this.request({ t: 'transfer', id, transfer: t })).header as { t: 'receipt'; id: string; receipt: Receipt } | Extract<ServerHeader, { t: 'error' }>;
  }

  async balance(account: string): Promise<Answer<'balance'>> {
    return (await this.request({ t: 'balance', id: requestId(), account })).header as Answer<'balance'>;
  }

  async info(): Promise<Answer<'ledger-info'>> {
    return (await this.request({ t: 'ledger-info', id: requestId() })).header as Answer<'ledger-info'>;
  }

  async checkpoint(size?: number): Promise<Answer<'checkpoint'>> {
    return (await this.request({ t: 'checkpoint', id: requestId(), ...(size === undefined ? {} : { size }) })).header as Answer<'checkpoint'>;
  }

  /** Every leaf of the log, byte for byte, in order. */
  async allEntries(): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    for (;;) {
      const f = await this.request({ t: 'entries', id: requestId(), from: out.length, limit: 500 });
      if (f.header.t !== 'entries') throw new Error(`entries refused: ${JSON.stringify(f.header)}`);
      out.push(...splitTransferLines(f.body));
      if (f.header.count === 0 || out.length >= f.header.size) return out;
    }
  }

  async history(account: string, limit: number, before?: number): Promise<{ header: Answer<'history'>; lines: Uint8Array[] }> {
    const f = await this.request({ t: 'history', id: requestId(), account, limit, ...(before === undefined ? {} : { before }) });
    return { header: f.header as Answer<'history'>, lines: splitTransferLines(f.body) };
  }

  async inclusion(index: number, size: number): Promise<{ header: Answer<'inclusion'>; proof: Uint8Array[] | null }> {
    const f = await this.request({ t: 'inclusion', id: requestId(), index, size });
    return { header: f.header as Answer<'inclusion'>, proof: decodeHashes(f.body) };
  }

  async consistency(from: number, to: number): Promise<{ header: Answer<'consistency'>; proof: Uint8Array[] | null }> {
    const f = await this.request({ t: 'consistency', id: requestId(), from, to });
    return { header: f.header as Answer<'consistency'>, proof: decodeHashes(f.body) };
  }

  close(): void {
    this.v1.close();
  }
}

/** The relay's operator account, from the key file in its data directory (tests run as the operator). */
export function operatorOf(dataDir: string): TestAccount {
  const file = JSON.parse(readFileSync(join(dataDir, 'operator-key.json'), 'utf8')) as { publicKey: string; privateKey: string };
  return TestAccount.fromKeys(file.publicKey as AccountId, fromBase64Url(file.privateKey)!);
}
