/**
 * Crypto backends of the server. The pure tweetnacl backend lives in d2m/
 * for clients; the server uses {@link nodeCryptoBackend}.
 */
export { nodeCryptoBackend } from './node-backend.js';
