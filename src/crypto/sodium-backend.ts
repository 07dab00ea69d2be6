/**
 * Crypto backend for the server: X25519, XSalsa20-Poly1305 and `crypto_box`
 * from libsodium (the sodium-native addon, loaded from its prebuilt binary),
 * HSalsa20 for {@link CryptoBackend.boxSharedKey} from tweetnacl. Produces the
 * same bytes as NaCl's `crypto_box` and as the pure tweetnacl backend in
 * d2m/crypto/.
 *
 * The handshake is the per-connection hot path: the server makes one
 * ephemeral key pair (random secret, `crypto_scalarmult_base`) and opens one
 * box with it (`crypto_box_open_easy`: X25519, HSalsa20 and
 * XSalsa20-Poly1305 in a single native call). libsodium works on the raw
 * 32-byte keys, so nothing is imported or cached, and secrets that this
 * backend makes for itself are wiped after use.
 *
 * Difference to tweetnacl: libsodium refuses a public key of small order
 * (and a shared secret of all zeros); this backend then throws
 * `D2mCryptoError('invalid-key')` from `boxSharedKey`, and `boxOpen` does not
 * open, where tweetnacl would use a key that anybody can compute.
 */
import { randomFillSync } from 'node:crypto';
import sodium from 'sodium-native';
import nacl from 'tweetnacl';
import {
    D2mCryptoError,
    KEY_BYTE_LENGTH,
    NONCE_BYTE_LENGTH,
    type CryptoBackend,
    type KeyPair,
    type PublicKey,
    type SecretKey,
    type SymmetricKey,
} from '../../d2m/index.js';

/** The parts of tweetnacl's `lowlevel` namespace used here (not in its type declarations). */
interface NaclLowLevel {
    crypto_core_hsalsa20(out: Uint8Array, input: Uint8Array, key: Uint8Array, constant: Uint8Array): number;
}

const lowlevel = (nacl as unknown as { readonly lowlevel: NaclLowLevel }).lowlevel;

/** Salsa20's constant "expand 32-byte k". */
const SIGMA = new Uint8Array([
    0x65, 0x78, 0x70, 0x61, 0x6e, 0x64, 0x20, 0x33, 0x32, 0x2d, 0x62, 0x79, 0x74, 0x65, 0x20, 0x6b,
]);

/** `crypto_box_beforenm` runs HSalsa20 over an all-zero 16-byte input. */
const HSALSA20_ZERO_INPUT = new Uint8Array(16);

/** Poly1305 tag length of a (secret)box. */
const MAC_BYTE_LENGTH = 16;

function checkKey(bytes: Uint8Array, what: string): void {
    if (bytes.byteLength !== KEY_BYTE_LENGTH) {
        throw new D2mCryptoError('invalid-key', `${what} must be ${KEY_BYTE_LENGTH} bytes`);
    }
}

function checkNonce(nonce: Uint8Array): void {
    if (nonce.byteLength !== NONCE_BYTE_LENGTH) {
        throw new D2mCryptoError('invalid-input', `nonce must be ${NONCE_BYTE_LENGTH} bytes`);
    }
}

const RANDOM_POOL_BYTE_LENGTH = 8192;
const randomPool = new Uint8Array(RANDOM_POOL_BYTE_LENGTH);
let randomPoolOffset = RANDOM_POOL_BYTE_LENGTH;

/** Fresh CSPRNG bytes; small requests are cut from a pool that is refilled, never reused. */
function randomBytes(byteLength: number): Uint8Array {
    if (byteLength > RANDOM_POOL_BYTE_LENGTH / 8) return randomFillSync(new Uint8Array(byteLength));
    if (randomPoolOffset + byteLength > RANDOM_POOL_BYTE_LENGTH) {
        randomFillSync(randomPool);
        randomPoolOffset = 0;
    }
    const bytes = randomPool.slice(randomPoolOffset, randomPoolOffset + byteLength);
    randomPool.fill(0, randomPoolOffset, randomPoolOffset + byteLength);
    randomPoolOffset += byteLength;
    return bytes;
}

function publicKeyOf(secretKey: Uint8Array): PublicKey {
    const publicKey = new Uint8Array(KEY_BYTE_LENGTH);
    // Cannot fail for the base point (libsodium refuses only an all-zero result, which clamping rules out).
    sodium.crypto_scalarmult_base(publicKey, secretKey);
    return publicKey as PublicKey;
}

/** A scratch buffer for X25519 shared secrets; wiped after each use. */
const sharedSecret = new Uint8Array(KEY_BYTE_LENGTH);

export const sodiumCryptoBackend: CryptoBackend = {
    name: 'sodium',
    randomBytes,
    generateKeyPair(): KeyPair {
        const secretKey = randomBytes(KEY_BYTE_LENGTH) as SecretKey;
        return { publicKey: publicKeyOf(secretKey), secretKey };
    },
    derivePublicKey(secretKey) {
        checkKey(secretKey, 'secret key');
        return publicKeyOf(secretKey);
    },
    boxSharedKey(publicKey, secretKey) {
        checkKey(publicKey, 'public key');
        checkKey(secretKey, 'secret key');
        try {
            sodium.crypto_scalarmult(sharedSecret, secretKey, publicKey);
        } catch (error) {
            // libsodium's status -1: a public key of small order or an all-zero shared secret.
            sodium.sodium_memzero(sharedSecret);
            throw new D2mCryptoError('invalid-key', 'public key is not usable for X25519 (small order)', {
                cause: error,
            });
        }
        const key = new Uint8Array(KEY_BYTE_LENGTH);
        lowlevel.crypto_core_hsalsa20(key, HSALSA20_ZERO_INPUT, sharedSecret, SIGMA);
        sodium.sodium_memzero(sharedSecret);
        return key as SymmetricKey;
    },
    boxOpen(box, nonce, publicKey, secretKey) {
        checkKey(publicKey, 'public key');
        checkKey(secretKey, 'secret key');
        checkNonce(nonce);
        if (box.byteLength < MAC_BYTE_LENGTH) return undefined;
        const plaintext = new Uint8Array(box.byteLength - MAC_BYTE_LENGTH);
        // False for a forged box and for a public key of small order alike.
        return sodium.crypto_box_open_easy(plaintext, box, nonce, publicKey, secretKey) ? plaintext : undefined;
    },
    secretboxSeal(plaintext, nonce, key) {
        checkKey(key, 'key');
        checkNonce(nonce);
        const box = new Uint8Array(plaintext.byteLength + MAC_BYTE_LENGTH);
        sodium.crypto_secretbox_easy(box, plaintext, nonce, key);
        return box;
    },
    secretboxOpen(box, nonce, key) {
        checkKey(key, 'key');
        checkNonce(nonce);
        if (box.byteLength < MAC_BYTE_LENGTH) return undefined;
        const plaintext = new Uint8Array(box.byteLength - MAC_BYTE_LENGTH);
        return sodium.crypto_secretbox_open_easy(plaintext, box, nonce, key) ? plaintext : undefined;
    },
};
