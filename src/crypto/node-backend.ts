/**
 * Crypto backend for the server: X25519 from node:crypto (OpenSSL), HSalsa20
 * and XSalsa20-Poly1305 from tweetnacl. Produces the same bytes as NaCl's
 * `crypto_box` and as the pure tweetnacl backend in d2m/crypto/.
 *
 * The handshake is the per-connection hot path: the server makes one
 * ephemeral key pair and computes one shared key per connection, so both
 * X25519 operations run in OpenSSL, which is an order of magnitude faster
 * than tweetnacl's JavaScript field arithmetic.
 *
 * Key import: node:crypto (Node 20) has no raw key format, and importing a
 * DER-wrapped X25519 private key (PKCS#8) goes through OpenSSL's generic
 * decoder, which costs about as much as the X25519 operation itself. Node's
 * JWK import, in contrast, hands the raw bytes straight to OpenSSL. So keys
 * are imported as JWK: public keys from `x`, private keys from `d` (Node reads
 * only `d` for a private OKP key and recomputes the public half; `x` must
 * merely be a string). A known-answer check at load time confirms that this
 * works and otherwise falls back to PKCS#8 DER. Side effect of JWK: the secret
 * key passes through a short-lived base64url string, which cannot be wiped.
 *
 * Per handshake the server makes one ephemeral key pair and computes one
 * shared key with the device group's public key. So that this costs as
 * little as it can:
 * - a small pool of ephemeral key pairs is prepared off the connection
 *   path, in `setImmediate` turns after connections took some;
 * - device group public keys, which reconnecting devices present again and
 *   again, stay imported in a bounded cache;
 * - random bytes are cut from a pooled CSPRNG buffer (one `randomFillSync`
 *   call per 8 KiB instead of a system call per challenge).
 *
 * Difference to tweetnacl: OpenSSL refuses a public key whose shared secret
 * is all zeros (a low-order point); this backend then throws
 * `D2mCryptoError('invalid-key')` where tweetnacl would return a key that
 * anybody can compute.
 */
import { createPrivateKey, createPublicKey, diffieHellman, randomFillSync, type KeyObject } from 'node:crypto';
import nacl from 'tweetnacl';
import {
    constantTimeEqual,
    D2mCryptoError,
    hexToBytes,
    KEY_BYTE_LENGTH,
    tweetnaclBackend,
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

/** DER header of a PKCS#8 X25519 private key; the 32 raw bytes follow. */
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** DER header of an SPKI X25519 public key; the 32 raw bytes follow. */
const SPKI_X25519_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

function toBuffer(bytes: Uint8Array): Buffer {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Imported public keys by their base64url form, most recently used last; at most PUBLIC_KEY_CACHE_SIZE. */
const PUBLIC_KEY_CACHE_SIZE = 4096;
const publicKeys = new Map<string, KeyObject>();

function importPublicKey(publicKey: Uint8Array): KeyObject {
    const x = toBuffer(publicKey).toString('base64url');
    const cached = publicKeys.get(x);
    if (cached !== undefined) {
        publicKeys.delete(x);
        publicKeys.set(x, cached);
        return cached;
    }
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' });
    if (publicKeys.size >= PUBLIC_KEY_CACHE_SIZE) {
        const oldest = publicKeys.keys().next();
        if (oldest.done !== true) publicKeys.delete(oldest.value);
    }
    publicKeys.set(x, key);
    return key;
}

function importPrivateKeyJwk(secretKey: Uint8Array): KeyObject {
    return createPrivateKey({
        key: { kty: 'OKP', crv: 'X25519', d: toBuffer(secretKey).toString('base64url'), x: '' },
        format: 'jwk',
    });
}

function importPrivateKeyDer(secretKey: Uint8Array): KeyObject {
    return createPrivateKey({
        key: Buffer.concat([PKCS8_X25519_PREFIX, secretKey]),
        format: 'der',
        type: 'pkcs8',
    });
}

/** The X25519 base point (u = 9), so that `X25519(secret, BASE_POINT)` is the public key. */
const BASE_POINT = createPublicKey({
    key: Buffer.concat([SPKI_X25519_PREFIX, Buffer.from([9]), Buffer.alloc(KEY_BYTE_LENGTH - 1)]),
    format: 'der',
    type: 'spki',
});

/** The raw X25519 output, or `D2mCryptoError('invalid-key')` for a low-order public key. */
function x25519(privateKey: KeyObject, publicKey: KeyObject): Buffer {
    try {
        return diffieHellman({ privateKey, publicKey });
    } catch (error) {
        throw new D2mCryptoError('invalid-key', 'public key is not usable for X25519 (low-order point)', {
            cause: error,
        });
    }
}

/** Known answer: the DGPK pair of the key-derivation test vector (reference 8.1). */
const KNOWN_SECRET_KEY = hexToBytes('60c0ed9098902c0b6093be4a819bf344900bc7473504ccdb61004b1b58aa2233')!;
const KNOWN_PUBLIC_KEY = hexToBytes('e77d9b02195b880c1374650ec136b44e7b0b6d9e47b479dbd5d97c470acb0b40')!;

function selectPrivateKeyImport(): (secretKey: Uint8Array) => KeyObject {
    try {
        const publicKey = diffieHellman({ privateKey: importPrivateKeyJwk(KNOWN_SECRET_KEY), publicKey: BASE_POINT });
        if (constantTimeEqual(publicKey, KNOWN_PUBLIC_KEY)) return importPrivateKeyJwk;
    } catch {
        // This Node version rejects the JWK form: use DER.
    }
    return importPrivateKeyDer;
}

const importPrivateKey = selectPrivateKeyImport();

/**
 * Private keys made by {@link nodeCryptoBackend.generateKeyPair}, so that the
 * server's `boxSharedKey` with its ephemeral key does not import it again.
 * Each entry keeps a copy of the bytes it was made from, so a caller that
 * changed the array in place gets a fresh import, never a stale key.
 */
const generatedPrivateKeys = new WeakMap<Uint8Array, { readonly bytes: Uint8Array; readonly key: KeyObject }>();

function privateKeyObject(secretKey: Uint8Array): KeyObject {
    const cached = generatedPrivateKeys.get(secretKey);
    if (cached !== undefined && constantTimeEqual(cached.bytes, secretKey)) return cached.key;
    return importPrivateKey(secretKey);
}

function checkKey(bytes: Uint8Array, what: string): void {
    if (bytes.byteLength !== KEY_BYTE_LENGTH) {
        throw new D2mCryptoError('invalid-key', `${what} must be ${KEY_BYTE_LENGTH} bytes`);
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

/**
 * A new key pair: 32 random bytes imported as the private key (JWK), and the
 * public key computed by OpenSSL. (`generateKeyPairSync('x25519')` with a
 * JWK export was faster, but under Node 20's OpenSSL it deadlocked the main
 * thread now and then while the libuv thread pool ran crypto work.)
 */
function newKeyPair(): KeyPair {
    const secretKey = randomBytes(KEY_BYTE_LENGTH) as SecretKey;
    const key = importPrivateKey(secretKey);
    generatedPrivateKeys.set(secretKey, { bytes: secretKey.slice(), key });
    return { publicKey: publicKeyOf(key), secretKey };
}

/** Key pairs prepared ahead; refilled in `setImmediate` turns after some were taken. */
const KEY_POOL_SIZE = 32;
const KEY_POOL_REFILL_BATCH = 4;
const keyPool: KeyPair[] = [];
let refillScheduled = false;

function refillKeyPool(): void {
    refillScheduled = false;
    for (let i = 0; i < KEY_POOL_REFILL_BATCH && keyPool.length < KEY_POOL_SIZE; i++) keyPool.push(newKeyPair());
    scheduleRefill();
}

function scheduleRefill(): void {
    if (refillScheduled || keyPool.length >= KEY_POOL_SIZE) return;
    refillScheduled = true;
    // Not unref'd: an unref'd Immediate can leave the event loop blocked in its poll phase
    // with other Immediates pending (seen as a stall of the test runner); a refill is short.
    setImmediate(refillKeyPool);
}

function takeKeyPair(): KeyPair {
    const pair = keyPool.pop() ?? newKeyPair();
    scheduleRefill();
    return pair;
}

function publicKeyOf(privateKey: KeyObject): PublicKey {
    return new Uint8Array(x25519(privateKey, BASE_POINT)) as PublicKey;
}

export const nodeCryptoBackend: CryptoBackend = {
    name: 'node',
    randomBytes,
    generateKeyPair: takeKeyPair,
    derivePublicKey(secretKey) {
        checkKey(secretKey, 'secret key');
        return publicKeyOf(privateKeyObject(secretKey));
    },
    boxSharedKey(publicKey, secretKey) {
        checkKey(publicKey, 'public key');
        checkKey(secretKey, 'secret key');
        const shared = x25519(privateKeyObject(secretKey), importPublicKey(publicKey));
        const key = new Uint8Array(KEY_BYTE_LENGTH);
        lowlevel.crypto_core_hsalsa20(key, HSALSA20_ZERO_INPUT, shared, SIGMA);
        shared.fill(0);
        return key as SymmetricKey;
    },
    // XSalsa20-Poly1305 is tweetnacl's in both backends (same checks, same bytes).
    secretboxSeal: (plaintext, nonce, key) => tweetnaclBackend.secretboxSeal(plaintext, nonce, key),
    secretboxOpen: (box, nonce, key) => tweetnaclBackend.secretboxOpen(box, nonce, key),
};
