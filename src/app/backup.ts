// Export and restore of the whole account through an encrypted file (format in core/backup.ts).
// A restored browser becomes a new device of the account: it keeps the account keys and the
// account doc secret from the file, makes its own device keys, and certifies them itself.
import * as Y from 'yjs';
import { fromBase64Url, toBase64Url } from '../core/bytes.ts';
import { decryptBackup, encryptBackup } from '../core/backup.ts';
import type { Result } from '../core/errors.ts';
import { ok } from '../core/errors.ts';
import type { AccountId } from '../core/ids.ts';
import { certifyDevice } from '../core/message.ts';
import type { FloeDb, IdentityRecord } from '../store/db.ts';
import { createDeviceKeys, identityFrom } from './identity.ts';

/** docs: local doc id → the doc (the account doc and every conversation). */
export async function exportBackup(me: IdentityRecord, docs: Map<string, Y.Doc>, passphrase: string, now: number): Promise<Result<string>> {
  return encryptBackup(
    {
      v: 1,
      identity: {
        account: me.account,
        accountPrivateKey: toBase64Url(me.accountPrivateKey),
        accountX25519Public: toBase64Url(me.accountX25519Public),
        accountX25519Private: toBase64Url(me.accountX25519Private),
        accountDocSecret: toBase64Url(me.accountDocSecret),
        created: me.created,
      },
      docs: Object.fromEntries([...docs].map(([id, doc]) => [id, toBase64Url(Y.encodeStateAsUpdate(doc))])),
      created: now,
    },
    passphrase,
  );
}

/**
 * Opens the file and, only if everything in it checks out, stores the identity and the documents
 * in one transaction. A wrong passphrase or a damaged file changes nothing on this device.
 */
export async function restoreBackup(db: FloeDb, text: string, passphrase: string, deviceName: string, now: number): Promise<Result<IdentityRecord>> {
  const opened = await decryptBackup(text, passphrase);
  if (!opened.ok) return opened;
  const { identity: id, docs } = opened.value;
  const device = await createDeviceKeys();
  const accountPrivateKey = fromBase64Url(id.accountPrivateKey)!;
  const certificate = await certifyDevice(accountPrivateKey, { account: id.account as AccountId, device: device.device, x: device.x, name: deviceName, created: now });
  const identity = identityFrom(id, device, certificate);
  await db.transaction('rw', db.identity, db.updates, async () => {
    await db.identity.put(identity);
    for (const [doc, data] of Object.entries(docs)) await db.updates.add({ doc, data: fromBase64Url(data)! });
  });
  return ok(identity);
}
