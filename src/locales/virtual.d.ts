// Catalogs compiled by scripts/vite-locales.ts.
declare module 'virtual:floe-locale/*' {
  const messages: import('@lingui/core').Messages;
  export default messages;
}
