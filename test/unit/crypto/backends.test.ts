/**
 * Both crypto backends against tweetnacl's NaCl functions: the server's
 * backend (libsodium) must produce exactly the bytes of `nacl.box`,
 * `nacl.box.open`, `nacl.box.before`, `nacl.secretbox` and
 * `nacl.scalarMult.base`.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import nacl from 'tweetnacl';
import {
    bytesToHex,
    D2mCryptoError,
    hexToBytes,
    tweetnaclBackend,
    type CryptoBackend,
    type PublicKey,
    type SecretKey,
    type SymmetricKey,
} from '../../../d2m/index.js';
import { sodiumCryptoBackend } from '../../../src/crypto/index.js';

const BACKENDS: readonly CryptoBackend[] = [tweetnaclBackend, sodiumCryptoBackend];
const NUM_RUNS = 40;

const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const nonce24 = fc.uint8Array({ minLength: 24, maxLength: 24 });
const message = fc.uint8Array({ maxLength: 300 });

/** NaCl `crypto_box` built from a backend's parts. */
function backendBox(
    backend: CryptoBackend,
    plaintext: Uint8Array,
    nonce: Uint8Array,
    publicKey: Uint8Array,
    secretKey: Uint8Array,
): Uint8Array {
    const key = backend.boxSharedKey(publicKey as PublicKey, secretKey as SecretKey);
    return backend.secretboxSeal(plaintext, nonce, key);
}

function expectCryptoError(action: () => unknown, code: string): void {
    try {
        action();
    } catch (error) {
        expect(error).to.be.instanceOf(D2mCryptoError);
        expect((error as D2mCryptoError).code).to.equal(code);
        return;
    }
    expect.fail(`expected D2mCryptoError('${code}')`);
}

/**
 * Points of small order on Curve25519 and non-canonical encodings of them
 * (p - 1, p, p + 1), as in libsodium's blocklist; each also with the top bit
 * set, which X25519 ignores.
 */
const SMALL_ORDER_POINTS = [
    '0000000000000000000000000000000000000000000000000000000000000000',
    '0100000000000000000000000000000000000000000000000000000000000000',
    'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
    '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].flatMap((hex) => [hex, hex.slice(0, 62) + (parseInt(hex.slice(62), 16) | 0x80).toString(16)]);

/** 2^255 - 19 + 9 (little endian): a non-canonical encoding of the base point's u = 9. */
const NON_CANONICAL_NINE = hexToBytes('f6ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f')!;

describe('crypto backends', function () {
    it('the server backend is named "sodium"', function () {
        expect(sodiumCryptoBackend.name).to.equal('sodium');
        expect(tweetnaclBackend.name).to.equal('tweetnacl');
    });

    for (const backend of BACKENDS) {
        describe(backend.name, function () {
            it('derivePublicKey equals nacl.scalarMult.base', function () {
                fc.assert(
                    fc.property(key32, (secretKey) => {
                        const publicKey = backend.derivePublicKey(secretKey as SecretKey);
                        expect(bytesToHex(publicKey)).to.equal(bytesToHex(nacl.scalarMult.base(secretKey)));
                    }),
                    { numRuns: NUM_RUNS },
                );
            });

            it('boxSharedKey equals nacl.box.before', function () {
                fc.assert(
                    fc.property(key32, key32, (publicKey, secretKey) => {
                        const key = backend.boxSharedKey(publicKey as PublicKey, secretKey as SecretKey);
                        expect(bytesToHex(key)).to.equal(bytesToHex(nacl.box.before(publicKey, secretKey)));
                    }),
                    { numRuns: NUM_RUNS },
                );
            });

            it('boxSharedKey + secretboxSeal equal nacl.box, and nacl.box.open opens the result', function () {
                fc.assert(
                    fc.property(message, nonce24, key32, key32, (plaintext, nonce, publicKey, secretKey) => {
                        const box = backendBox(backend, plaintext, nonce, publicKey, secretKey);
                        expect(bytesToHex(box)).to.equal(bytesToHex(nacl.box(plaintext, nonce, publicKey, secretKey)));
                        const peer = nacl.box.keyPair();
                        const sealed = backendBox(backend, plaintext, nonce, peer.publicKey, secretKey);
                        const opened = nacl.box.open(sealed, nonce, nacl.scalarMult.base(secretKey), peer.secretKey);
                        expect(opened).to.not.equal(null);
                        expect(bytesToHex(opened!)).to.equal(bytesToHex(plaintext));
                    }),
                    { numRuns: NUM_RUNS },
                );
            });

            it('boxOpen opens what nacl.box sealed and rejects any flipped bit or the wrong keys', function () {
                fc.assert(
                    fc.property(
                        message,
                        nonce24,
                        key32,
                        key32,
                        fc.nat(),
                        fc.integer({ min: 0, max: 7 }),
                        (m, n, a, b, at, bit) => {
                            const box = nacl.box(m, n, nacl.scalarMult.base(b), a);
                            const senderPublic = nacl.scalarMult.base(a) as PublicKey;
                            const opened = backend.boxOpen(box, n, senderPublic, b as SecretKey);
                            expect(opened).to.not.equal(undefined);
                            expect(bytesToHex(opened!)).to.equal(bytesToHex(m));
                            const tampered = box.slice();
                            tampered[at % tampered.byteLength]! ^= 1 << bit;
                            expect(backend.boxOpen(tampered, n, senderPublic, b as SecretKey)).to.equal(undefined);
                            const stranger = nacl.box.keyPair();
                            expect(backend.boxOpen(box, n, stranger.publicKey as PublicKey, b as SecretKey)).to.equal(
                                undefined,
                            );
                        },
                    ),
                    { numRuns: NUM_RUNS },
                );
            });

            it('boxOpen returns undefined for a box shorter than its tag and checks lengths', function () {
                const pair = nacl.box.keyPair();
                const publicKey = pair.publicKey as PublicKey;
                const secretKey = pair.secretKey as SecretKey;
                expect(backend.boxOpen(new Uint8Array(15), new Uint8Array(24), publicKey, secretKey)).to.equal(
                    undefined,
                );
                expectCryptoError(
                    () => backend.boxOpen(new Uint8Array(16), new Uint8Array(23), publicKey, secretKey),
                    'invalid-input',
                );
                expectCryptoError(
                    () =>
                        backend.boxOpen(
                            new Uint8Array(16),
                            new Uint8Array(24),
                            new Uint8Array(31) as PublicKey,
                            secretKey,
                        ),
                    'invalid-key',
                );
                expectCryptoError(
                    () =>
                        backend.boxOpen(
                            new Uint8Array(16),
                            new Uint8Array(24),
                            publicKey,
                            new Uint8Array(31) as SecretKey,
                        ),
                    'invalid-key',
                );
            });

            it('secretboxOpen opens what nacl.secretbox sealed and rejects any flipped bit', function () {
                fc.assert(
                    fc.property(
                        message,
                        nonce24,
                        key32,
                        fc.nat(),
                        fc.integer({ min: 0, max: 7 }),
                        (m, n, k, at, bit) => {
                            const box = nacl.secretbox(m, n, k);
                            const opened = backend.secretboxOpen(box, n, k as SymmetricKey);
                            expect(opened).to.not.equal(undefined);
                            expect(bytesToHex(opened!)).to.equal(bytesToHex(m));
                            const tampered = box.slice();
                            tampered[at % tampered.byteLength]! ^= 1 << bit;
                            expect(backend.secretboxOpen(tampered, n, k as SymmetricKey)).to.equal(undefined);
                        },
                    ),
                    { numRuns: NUM_RUNS },
                );
            });

            it('generateKeyPair returns a matching pair of fresh keys', function () {
                const first = backend.generateKeyPair();
                const second = backend.generateKeyPair();
                expect(first.secretKey.byteLength).to.equal(32);
                expect(bytesToHex(first.publicKey)).to.equal(bytesToHex(nacl.scalarMult.base(first.secretKey)));
                expect(bytesToHex(second.publicKey)).to.equal(bytesToHex(nacl.scalarMult.base(second.secretKey)));
                expect(bytesToHex(first.secretKey)).to.not.equal(bytesToHex(second.secretKey));
            });

            it('a generated key pair agrees with tweetnacl on the shared key', function () {
                const ours = backend.generateKeyPair();
                const theirs = nacl.box.keyPair();
                const key = backend.boxSharedKey(theirs.publicKey as PublicKey, ours.secretKey);
                expect(bytesToHex(key)).to.equal(bytesToHex(nacl.box.before(ours.publicKey, theirs.secretKey)));
            });

            it('randomBytes returns the requested number of distinct bytes', function () {
                expect(backend.randomBytes(0).byteLength).to.equal(0);
                const a = backend.randomBytes(32);
                const b = backend.randomBytes(32);
                expect(a.byteLength).to.equal(32);
                expect(bytesToHex(a)).to.not.equal(bytesToHex(b));
            });

            it('ignores the top bit of a public key and reduces non-canonical ones, like tweetnacl', function () {
                const secretKey = nacl.randomBytes(32);
                const highBit = nacl.randomBytes(32);
                highBit[31]! |= 0x80;
                for (const publicKey of [highBit, NON_CANONICAL_NINE]) {
                    const key = backend.boxSharedKey(publicKey as PublicKey, secretKey as SecretKey);
                    expect(bytesToHex(key)).to.equal(bytesToHex(nacl.box.before(publicKey, secretKey)));
                }
            });

            it('rejects keys and nonces of the wrong length', function () {
                const key = new Uint8Array(32);
                const short = new Uint8Array(31);
                expectCryptoError(() => backend.derivePublicKey(short as SecretKey), 'invalid-key');
                expectCryptoError(() => backend.boxSharedKey(short as PublicKey, key as SecretKey), 'invalid-key');
                expectCryptoError(() => backend.boxSharedKey(key as PublicKey, short as SecretKey), 'invalid-key');
                expectCryptoError(
                    () => backend.secretboxSeal(new Uint8Array(1), new Uint8Array(24), short as SymmetricKey),
                    'invalid-key',
                );
                expectCryptoError(
                    () => backend.secretboxSeal(new Uint8Array(1), new Uint8Array(23), key as SymmetricKey),
                    'invalid-input',
                );
                expectCryptoError(
                    () => backend.secretboxOpen(new Uint8Array(17), new Uint8Array(25), key as SymmetricKey),
                    'invalid-input',
                );
                expectCryptoError(
                    () => backend.secretboxOpen(new Uint8Array(17), new Uint8Array(24), short as SymmetricKey),
                    'invalid-key',
                );
            });

            it('secretboxOpen returns undefined for a box shorter than its tag', function () {
                const key = nacl.randomBytes(32) as SymmetricKey;
                expect(backend.secretboxOpen(new Uint8Array(15), new Uint8Array(24), key)).to.equal(undefined);
            });
        });
    }

    describe('sodium only', function () {
        it('rejects a low-order public key (all-zero shared secret) with invalid-key', function () {
            const secretKey = nacl.randomBytes(32) as SecretKey;
            expectCryptoError(
                () => sodiumCryptoBackend.boxSharedKey(new Uint8Array(32) as PublicKey, secretKey),
                'invalid-key',
            );
        });

        it('rejects every small-order public key, also in non-canonical encodings, and boxOpen does not open', function () {
            const secretKey = nacl.randomBytes(32) as SecretKey;
            const peer = nacl.box.keyPair();
            const nonce = nacl.randomBytes(24);
            for (const hex of SMALL_ORDER_POINTS) {
                const point = hexToBytes(hex)! as PublicKey;
                expectCryptoError(() => sodiumCryptoBackend.boxSharedKey(point, secretKey), 'invalid-key');
                // tweetnacl agrees on a key that anybody can compute; a box under it must not open.
                const box = nacl.box.after(new Uint8Array(8), nonce, nacl.box.before(point, peer.secretKey));
                expect(tweetnaclBackend.boxOpen(box, nonce, point, peer.secretKey as SecretKey)).to.not.equal(
                    undefined,
                );
                expect(sodiumCryptoBackend.boxOpen(box, nonce, point, peer.secretKey as SecretKey)).to.equal(undefined);
            }
        });

        it('keeps working on the same scratch buffer after a rejected key', function () {
            const secretKey = nacl.randomBytes(32) as SecretKey;
            const peer = nacl.box.keyPair();
            expectCryptoError(
                () => sodiumCryptoBackend.boxSharedKey(new Uint8Array(32) as PublicKey, secretKey),
                'invalid-key',
            );
            const key = sodiumCryptoBackend.boxSharedKey(peer.publicKey as PublicKey, secretKey);
            expect(bytesToHex(key)).to.equal(bytesToHex(nacl.box.before(peer.publicKey, secretKey)));
        });

        it('generated key pairs are distinct, matching and work for boxes', function () {
            const seen = new Set<string>();
            for (let i = 0; i < 120; i++) {
                const pair = sodiumCryptoBackend.generateKeyPair();
                expect(bytesToHex(pair.publicKey)).to.equal(bytesToHex(nacl.scalarMult.base(pair.secretKey)));
                seen.add(bytesToHex(pair.secretKey));
                const peer = nacl.box.keyPair();
                const key = sodiumCryptoBackend.boxSharedKey(peer.publicKey as PublicKey, pair.secretKey);
                expect(bytesToHex(key)).to.equal(bytesToHex(nacl.box.before(pair.publicKey, peer.secretKey)));
            }
            expect(seen.size).to.equal(120);
        });

        it('randomBytes never repeats across its pool refills', function () {
            const seen = new Set<string>();
            for (let i = 0; i < 1000; i++) seen.add(bytesToHex(sodiumCryptoBackend.randomBytes(32)));
            expect(seen.size).to.equal(1000);
            expect(sodiumCryptoBackend.randomBytes(5000).byteLength).to.equal(5000);
        });

        it('returns plain Uint8Arrays, not Buffers', function () {
            const pair = sodiumCryptoBackend.generateKeyPair();
            const values = [
                pair.publicKey,
                pair.secretKey,
                sodiumCryptoBackend.randomBytes(8),
                sodiumCryptoBackend.derivePublicKey(pair.secretKey),
                sodiumCryptoBackend.boxSharedKey(pair.publicKey, pair.secretKey),
            ];
            for (const value of values) expect(Object.getPrototypeOf(value)).to.equal(Uint8Array.prototype);
        });

        it('error messages carry no key bytes', function () {
            const secretKey = nacl.randomBytes(32);
            try {
                sodiumCryptoBackend.boxSharedKey(new Uint8Array(32) as PublicKey, secretKey as SecretKey);
                expect.fail('expected an error');
            } catch (error) {
                const text = String((error as Error).message);
                expect(text).to.not.include(bytesToHex(secretKey));
                expect(text).to.not.include(Buffer.from(secretKey).toString('base64url'));
            }
        });

        it('boxSharedKey is symmetric between the two backends', function () {
            fc.assert(
                fc.property(key32, key32, (a, b) => {
                    const publicA = nacl.scalarMult.base(a) as PublicKey;
                    const publicB = nacl.scalarMult.base(b) as PublicKey;
                    const viaNode = sodiumCryptoBackend.boxSharedKey(publicB, a as SecretKey);
                    const viaNacl = tweetnaclBackend.boxSharedKey(publicA, b as SecretKey);
                    expect(bytesToHex(viaNode)).to.equal(bytesToHex(viaNacl));
                }),
                { numRuns: NUM_RUNS },
            );
        });
    });
});
