// Why the group log ignored an action (core/group.ts flags it with a fixed English phrase) in the
// person's language. The phrases are the log's vocabulary, not UI text, so core stays untranslated;
// a phrase this table does not know yet is shown as it is.
import { t, type MessageKey } from './i18n.svelte.ts';

const REASONS: Record<string, MessageKey> = {
  'before the group was created': 'group.reason.before-created',
  'the group already exists': 'group.reason.exists',
  'only the owner or an admin may invite': 'group.reason.invite-not-allowed',
  'invite id used twice': 'group.reason.invite-reused',
  'already a member': 'group.reason.already-member',
  'no valid invite for this join': 'group.reason.no-invite',
  'the invite had expired': 'group.reason.invite-expired',
  'removed members need a newer invite': 'group.reason.needs-new-invite',
  'the group is full': 'group.reason.full',
  'only the owner or an admin may change the group': 'group.reason.change-not-allowed',
  'only the owner or an admin may remove members': 'group.reason.remove-not-allowed',
  'not a member': 'group.reason.not-member',
  'the owner cannot be removed': 'group.reason.owner-stays',
  'only the owner may remove an admin': 'group.reason.admin-by-owner',
  'only the owner may change roles': 'group.reason.roles-by-owner',
  'not a member whose role can change': 'group.reason.role-fixed',
  'only the owner may change the size limit': 'group.reason.limit-by-owner',
};

export function groupReasonText(reason: string): string {
  const key = REASONS[reason];
  return key ? t(key) : reason;
}

/** The phrases this table knows, for the test that core's phrases are all covered. */
export const KNOWN_GROUP_REASONS = Object.keys(REASONS);
