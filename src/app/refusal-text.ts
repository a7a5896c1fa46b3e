// Why a coin operation (payment, tip, red packet) was refused, as the app keeps it: the relay's
// typed code, by which the UI shows the reason in the person's language (i18n.svelte.ts
// refusalText, keys `refusal.<code>`), and the relay's own words, shown only for a code this app
// does not know (a newer relay). The code is kept with every refusal so nothing is lost.
import { fail } from '../core/errors.ts';
import { LEDGER_ERROR_CODES } from '../core/ledger/refusal.ts';
import { MailboxError } from '../net/mailbox.ts';

/**
 * Every code a coin operation's refusal can carry that has a translated text: the ledger's and
 * red packets' (one list in core), the relay-wide ones such a request can meet, and the
 * client's own 'disconnected'. locales.test.ts-style check: refusal-text.test.ts requires a
 * `refusal.<code>` key in every catalog for each.
 */
export const REFUSAL_CODES = [...LEDGER_ERROR_CODES, 'unavailable', 'rate-limited', 'too-large', 'forbidden', 'internal', 'disconnected'] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

export interface RelayRefusal {
  /** The relay's code (or 'disconnected'); undefined when the failure was not a relay answer. */
  code?: string;
  /** The relay's words (English), or the failure's message. */
  message: string;
}

/** A refused payment (or red packet) as the typed error; `refusal` carries the code for errorText. */
export const refusedPayment = (r: RelayRefusal) => fail<never>('pay/refused', r.message, { reason: r.message, ...(r.code ? { refusal: r.code } : {}) });

/** What a failed request threw, as a refusal: a MailboxError carries the relay's code. */
export function refusalOf(error: unknown): RelayRefusal {
  if (error instanceof MailboxError) return { code: error.code, message: error.message };
  return { message: error instanceof Error ? error.message : String(error) };
}
