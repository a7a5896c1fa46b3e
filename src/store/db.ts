// The device's IndexedDB, through Dexie. Versioned schema: add a new `this.version(n)` block for
// every change, never edit an old one (Dexie migrates from whatever version a device has).
import Dexie, { type Table } from 'dexie';
import type { AccountId, DeviceId } from '../core/ids.ts';
import type { DeviceCertificate } from '../core/message.ts';

/** This device's keys. One row, id 'self'. Never leaves the device except in an encrypted backup. */
export interface IdentityRecord {
  id: 'self';
  account: AccountId;
  accountPrivateKey: Uint8Array; // Ed25519 PKCS#8
  accountX25519Public: Uint8Array;
  accountX25519Private: Uint8Array; // X25519 PKCS#8
  device: DeviceId;
  devicePrivateKey: Uint8Array;
  deviceX25519Private: Uint8Array;
  certificate: DeviceCertificate;
  /** Secret of the account doc, shared only by this account's devices. */
  accountDocSecret: Uint8Array;
  /** How many times that secret rotated (a device was removed). */
  accountEpoch?: number;
  created: number;
}

/** One Yjs update of one document; merged into a single row by compaction. */
export interface UpdateRecord {
  seq?: number;
  doc: string;
  data: Uint8Array;
}

/** A sealed update waiting for the relay's acknowledgement (see net/replicator.ts). */
export interface OutboxRecord {
  pushId: string;
  room: string;
  data: Uint8Array;
  tags: string[];
  created: number;
  seq?: number;
}

/** How far this device has applied a room's mailbox log. */
export interface CursorRecord {
  room: string;
  seq: number;
  snapshot: number;
}

/**
 * One verified message as the search index keeps it (see store/search-index.ts). The key starts
 * with `rank`, minus the HLC's wall time, so that every token's postings come newest first and a
 * query reads the newest ones with one native getAllKeys(range, count), no cursor.
 */
export interface SearchRecord {
  rank: number;
  hlc: string;
  /** The conversation's local id (its first room id). */
  room: string;
  id: string;
  text: string;
  /** From core/search.ts indexTokens; a multiEntry index, so each token is one index entry. */
  tokens: string[];
}

/**
 * A coin transfer this account signed, kept from before it is sent until the relay settles or
 * refuses it (and afterwards as the wallet's record, with the receipt).
 */
export interface TransferRecord {
  id: string;
  seq: number;
  /** The signed transfer, canonical JSON. */
  transfer: string;
  status: 'pending' | 'settled' | 'refused';
  receipt?: string;
  /** A refusal's words from the relay; `code` is its typed code (app/refusal-text.ts). */
  reason?: string;
  code?: string;
  /** A red packet's seed (base64url), sent with it to the relay (app/redpackets.svelte.ts). */
  seed?: string;
}

export class FloeDb extends Dexie {
  transfers!: Table<TransferRecord, string>;
  identity!: Table<IdentityRecord, 'self'>;
  updates!: Table<UpdateRecord, number>;
  outbox!: Table<OutboxRecord, number>;
  cursors!: Table<CursorRecord, string>;
  search!: Table<SearchRecord, [number, string, string]>;

  constructor(name = 'floe', options?: ConstructorParameters<typeof Dexie>[1]) {
    super(name, options);
    this.version(1).stores({
      identity: 'id',
      updates: '++seq, doc',
    });
    this.version(2).stores({
      outbox: '++seq, &pushId, room',
      cursors: 'room',
    });
    this.version(3).stores({
      search: '[rank+room+id], room, *tokens',
    });
    this.version(4).stores({
      transfers: 'id, seq',
    });
  }
}
