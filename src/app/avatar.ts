// The UI draws avatars through the app layer; the drawing itself is pure and lives in core.
export { defaultAvatarUrl } from '../core/avatar.ts';
