/**
 * The cryptographic primitives the protocol needs, as an injected backend so
 * that this library stays free of platform APIs. Two implementations exist:
 * `d2m/crypto/tweetnacl-backend.ts` (pure JavaScript, any runtime) and the
 * server's backend in `src/crypto/` (libsodium, which is much faster).
 * Both must produce the same bytes as NaCl's `crypto_box`.
 */
import type { PublicKey, SecretKey, SymmetricKey } from './types.js';

export interface KeyPair {
    readonly publicKey: PublicKey;
    readonly secretKey: SecretKey;
}

export interface CryptoBackend {
    /** A short name for logs and benchmarks. */
    readonly name: string;
    /** Cryptographically secure random bytes. */
    randomBytes(byteLength: number): Uint8Array;
    /** A fresh X25519 key pair. */
    generateKeyPair(): KeyPair;
    /** The X25519 public key of a secret key (scalar multiplication with the base point). */
    derivePublicKey(secretKey: SecretKey): PublicKey;
    /**
     * NaCl `crypto_box_beforenm`: HSalsa20 over the X25519 shared secret of
     * `secretKey` and `publicKey`, giving the key for {@link secretboxSeal}.
     */
    boxSharedKey(publicKey: PublicKey, secretKey: SecretKey): SymmetricKey;
    /**
     * NaCl `crypto_box_open`: opens a box that the holder of `publicKey`'s
     * secret key sealed for `secretKey`'s public key. `undefined` when
     * authentication fails (a backend may also refuse a public key of small
     * order this way).
     */
    boxOpen(box: Uint8Array, nonce: Uint8Array, publicKey: PublicKey, secretKey: SecretKey): Uint8Array | undefined;
    /** NaCl `crypto_secretbox` (XSalsa20-Poly1305): 16-byte tag followed by the ciphertext. */
    secretboxSeal(plaintext: Uint8Array, nonce: Uint8Array, key: SymmetricKey): Uint8Array;
    /** Opens a secretbox; `undefined` when authentication fails. */
    secretboxOpen(box: Uint8Array, nonce: Uint8Array, key: SymmetricKey): Uint8Array | undefined;
}
