/**
 * The encryption format of every D2D blob (reference 8.2):
 * `nonce(24, random) || crypto_secretbox(plaintext, nonce, key)`, 40 bytes of
 * overhead. Nonce bookkeeping (rejecting replays) is the receiver's business.
 */
import {
    concatBytes,
    D2mCryptoError,
    MAC_BYTE_LENGTH,
    NONCE_BYTE_LENGTH,
    type CryptoBackend,
    type SymmetricKey,
} from '../d2m/index.js';

/** Bytes a blob adds to its plaintext: nonce and Poly1305 tag. */
export const NONCE_AHEAD_OVERHEAD_BYTE_LENGTH = NONCE_BYTE_LENGTH + MAC_BYTE_LENGTH;

/** Encrypts `plaintext` under `key` with a fresh random nonce put in front. */
export function encryptWithNonceAhead(crypto: CryptoBackend, key: SymmetricKey, plaintext: Uint8Array): Uint8Array {
    const nonce = crypto.randomBytes(NONCE_BYTE_LENGTH);
    return concatBytes(nonce, crypto.secretboxSeal(plaintext, nonce, key));
}

/**
 * Decrypts a blob made by {@link encryptWithNonceAhead}. Throws
 * `D2mCryptoError('decryption-failed')` when it is too short or does not
 * authenticate under `key`.
 */
export function decryptWithNonceAhead(crypto: CryptoBackend, key: SymmetricKey, data: Uint8Array): Uint8Array {
    if (data.byteLength < NONCE_AHEAD_OVERHEAD_BYTE_LENGTH) {
        throw new D2mCryptoError(
            'decryption-failed',
            `encrypted data of ${data.byteLength} bytes is shorter than ${NONCE_AHEAD_OVERHEAD_BYTE_LENGTH} bytes`,
        );
    }
    const plaintext = crypto.secretboxOpen(data.subarray(NONCE_BYTE_LENGTH), data.subarray(0, NONCE_BYTE_LENGTH), key);
    if (plaintext === undefined) throw new D2mCryptoError('decryption-failed', 'encrypted data does not authenticate');
    return plaintext;
}
