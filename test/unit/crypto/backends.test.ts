/**
 * Both crypto backends against tweetnacl's NaCl functions: the Node backend
 * (X25519 from node:crypto) must produce exactly the bytes of `nacl.box`,
 * `nacl.box.before` and `nacl.scalarMult.base`.
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
import { nodeCryptoBackend } from '../../../src/crypto/index.js';

const BACKENDS: readonly CryptoBackend[] = [tweetnaclBackend, nodeCryptoBackend];
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

/** 2^255 - 19 + 9 (little endian): a non-canonical encoding of the base point's u = 9. */
const NON_CANONICAL_NINE = hexToBytes('f6ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f')!;

describe('crypto backends', function () {
    it('the Node backend is named "node"', function () {
        expect(nodeCryptoBackend.name).to.equal('node');
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

    describe('node only', function () {
        it('rejects a low-order public key (all-zero shared secret) with invalid-key', function () {
            const secretKey = nacl.randomBytes(32) as SecretKey;
            expectCryptoError(
                () => nodeCryptoBackend.boxSharedKey(new Uint8Array(32) as PublicKey, secretKey),
                'invalid-key',
            );
        });

        it('uses the current bytes of a generated secret key that was changed in place', function () {
            const pair = nodeCryptoBackend.generateKeyPair();
            const peer = nacl.box.keyPair();
            pair.secretKey.set(nacl.randomBytes(32));
            const key = nodeCryptoBackend.boxSharedKey(peer.publicKey as PublicKey, pair.secretKey);
            expect(bytesToHex(key)).to.equal(bytesToHex(nacl.box.before(peer.publicKey, pair.secretKey)));
            expect(bytesToHex(nodeCryptoBackend.derivePublicKey(pair.secretKey))).to.equal(
                bytesToHex(nacl.scalarMult.base(pair.secretKey)),
            );
        });

        it('prepared key pairs (taken across event-loop turns) are distinct, matching and work for boxes', async function () {
            const seen = new Set<string>();
            for (let turn = 0; turn < 6; turn++) {
                for (let i = 0; i < 20; i++) {
                    const pair = nodeCryptoBackend.generateKeyPair();
                    expect(bytesToHex(pair.publicKey)).to.equal(bytesToHex(nacl.scalarMult.base(pair.secretKey)));
                    seen.add(bytesToHex(pair.secretKey));
                    const peer = nacl.box.keyPair();
                    const key = nodeCryptoBackend.boxSharedKey(peer.publicKey as PublicKey, pair.secretKey);
                    expect(bytesToHex(key)).to.equal(bytesToHex(nacl.box.before(pair.publicKey, peer.secretKey)));
                }
                // Let the pool refill between bursts.
                await new Promise((resolve) => setImmediate(resolve));
            }
            expect(seen.size).to.equal(120);
        });

        it('agrees with tweetnacl for more device group keys than its import cache holds, and again for the first', function () {
            const secretKey = nacl.randomBytes(32) as SecretKey;
            const peers = Array.from({ length: 4200 }, () => nodeCryptoBackend.generateKeyPair().publicKey);
            const keys = peers.map((peer) => bytesToHex(nodeCryptoBackend.boxSharedKey(peer, secretKey)));
            expect(new Set(keys).size).to.equal(peers.length);
            // The first keys were evicted by now and are imported again; the last are cached.
            for (const index of [0, 1, 4199]) {
                const again = bytesToHex(nodeCryptoBackend.boxSharedKey(peers[index]!, secretKey));
                expect(again).to.equal(keys[index]);
                expect(again).to.equal(bytesToHex(nacl.box.before(peers[index]!, secretKey)));
            }
        });

        it('randomBytes never repeats across its pool refills', function () {
            const seen = new Set<string>();
            for (let i = 0; i < 1000; i++) seen.add(bytesToHex(nodeCryptoBackend.randomBytes(32)));
            expect(seen.size).to.equal(1000);
            expect(nodeCryptoBackend.randomBytes(5000).byteLength).to.equal(5000);
        });

        it('returns plain Uint8Arrays, not Buffers', function () {
            const pair = nodeCryptoBackend.generateKeyPair();
            const values = [
                pair.publicKey,
                pair.secretKey,
                nodeCryptoBackend.randomBytes(8),
                nodeCryptoBackend.derivePublicKey(pair.secretKey),
                nodeCryptoBackend.boxSharedKey(pair.publicKey, pair.secretKey),
            ];
            for (const value of values) expect(Object.getPrototypeOf(value)).to.equal(Uint8Array.prototype);
        });

        it('error messages carry no key bytes', function () {
            const secretKey = nacl.randomBytes(32);
            try {
                nodeCryptoBackend.boxSharedKey(new Uint8Array(32) as PublicKey, secretKey as SecretKey);
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
                    const viaNode = nodeCryptoBackend.boxSharedKey(publicB, a as SecretKey);
                    const viaNacl = tweetnaclBackend.boxSharedKey(publicA, b as SecretKey);
                    expect(bytesToHex(viaNode)).to.equal(bytesToHex(viaNacl));
                }),
                { numRuns: NUM_RUNS },
            );
        });
    });
});
