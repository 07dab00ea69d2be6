/**
 * The nonce-ahead secretbox format of every D2D blob.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import nacl from 'tweetnacl';
import {
    bytesToHex,
    D2mCryptoError,
    tweetnaclBackend,
    type CryptoBackend,
    type SymmetricKey,
} from '../../../d2m/index.js';
import { decryptWithNonceAhead, encryptWithNonceAhead } from '../../../d2d/index.js';
import { sodiumCryptoBackend } from '../../../src/crypto/index.js';

const BACKENDS: readonly CryptoBackend[] = [tweetnaclBackend, sodiumCryptoBackend];
const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => bytes as SymmetricKey);

function expectDecryptionFailed(action: () => unknown): void {
    expect(action).to.throw(D2mCryptoError).with.property('code', 'decryption-failed');
}

describe('d2d nonce-ahead box', function () {
    for (const backend of BACKENDS) {
        describe(backend.name, function () {
            it('round-trips any plaintext and adds exactly 40 bytes', function () {
                fc.assert(
                    fc.property(key32, fc.uint8Array({ maxLength: 500 }), (key, plaintext) => {
                        const data = encryptWithNonceAhead(backend, key, plaintext);
                        expect(data.byteLength).to.equal(plaintext.byteLength + 40);
                        expect(bytesToHex(decryptWithNonceAhead(backend, key, data))).to.equal(bytesToHex(plaintext));
                    }),
                    { numRuns: 50 },
                );
            });

            it('is nonce || nacl.secretbox(plaintext, nonce, key)', function () {
                const key = nacl.randomBytes(32) as SymmetricKey;
                const plaintext = nacl.randomBytes(50);
                const data = encryptWithNonceAhead(backend, key, plaintext);
                const nonce = data.subarray(0, 24);
                expect(bytesToHex(data.subarray(24))).to.equal(bytesToHex(nacl.secretbox(plaintext, nonce, key)));
            });

            it('uses a fresh nonce each time', function () {
                const key = nacl.randomBytes(32) as SymmetricKey;
                const a = encryptWithNonceAhead(backend, key, new Uint8Array(4));
                const b = encryptWithNonceAhead(backend, key, new Uint8Array(4));
                expect(bytesToHex(a.subarray(0, 24))).to.not.equal(bytesToHex(b.subarray(0, 24)));
            });

            it('detects any flipped bit', function () {
                fc.assert(
                    fc.property(
                        key32,
                        fc.uint8Array({ maxLength: 100 }),
                        fc.nat(),
                        fc.integer({ min: 0, max: 7 }),
                        (key, plaintext, at, bit) => {
                            const data = encryptWithNonceAhead(backend, key, plaintext);
                            data[at % data.byteLength]! ^= 1 << bit;
                            expectDecryptionFailed(() => decryptWithNonceAhead(backend, key, data));
                        },
                    ),
                    { numRuns: 50 },
                );
            });

            it('fails for the wrong key', function () {
                const data = encryptWithNonceAhead(backend, nacl.randomBytes(32) as SymmetricKey, new Uint8Array(8));
                expectDecryptionFailed(() =>
                    decryptWithNonceAhead(backend, nacl.randomBytes(32) as SymmetricKey, data),
                );
            });

            it('fails for data shorter than nonce and tag, or truncated', function () {
                const key = nacl.randomBytes(32) as SymmetricKey;
                for (const length of [0, 1, 24, 39]) {
                    expectDecryptionFailed(() => decryptWithNonceAhead(backend, key, new Uint8Array(length)));
                }
                const data = encryptWithNonceAhead(backend, key, new Uint8Array(10));
                expectDecryptionFailed(() =>
                    decryptWithNonceAhead(backend, key, data.subarray(0, data.byteLength - 1)),
                );
                expect(
                    decryptWithNonceAhead(backend, key, encryptWithNonceAhead(backend, key, new Uint8Array(0))),
                ).to.have.lengthOf(0);
            });
        });
    }
});
