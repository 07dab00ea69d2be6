/**
 * Crypto backends of the server. The pure tweetnacl backend lives in d2m/
 * for clients; the server uses {@link sodiumCryptoBackend} (libsodium).
 */
export { sodiumCryptoBackend } from './sodium-backend.js';
