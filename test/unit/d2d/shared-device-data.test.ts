/**
 * d2d.SharedDeviceData: round trips, zero padding and field checks.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { D2mCryptoError, D2mProtocolError, tweetnaclBackend, type CryptoBackend } from '../../../d2m/index.js';
import {
    decryptSharedDeviceData,
    decryptWithNonceAhead,
    deriveDeviceGroupKeys,
    encryptSharedDeviceData,
    encryptWithNonceAhead,
} from '../../../d2d/index.js';
import { sodiumCryptoBackend } from '../../../src/crypto/index.js';
import { bytesField, readWireFields } from './protobuf-wire.js';

const BACKENDS: readonly CryptoBackend[] = [tweetnaclBackend, sodiumCryptoBackend];
const keys = deriveDeviceGroupKeys(tweetnaclBackend, tweetnaclBackend.randomBytes(32));
const otherKeys = deriveDeviceGroupKeys(tweetnaclBackend, tweetnaclBackend.randomBytes(32));
const anyVersion = fc.integer({ min: 0, max: 0xffff_ffff });

describe('d2d SharedDeviceData', function () {
    for (const backend of BACKENDS) {
        it(`round-trips any u32 version (${backend.name})`, function () {
            fc.assert(
                fc.property(anyVersion, (version) => {
                    const encrypted = encryptSharedDeviceData(backend, keys, { version });
                    expect(decryptSharedDeviceData(backend, keys, encrypted)).to.deep.equal({ version });
                }),
                { numRuns: 50 },
            );
        });
    }

    it('pads with 0 to 255 zero bytes of random length', function () {
        const lengths = new Set<number>();
        fc.assert(
            fc.property(anyVersion, (version) => {
                const encrypted = encryptSharedDeviceData(tweetnaclBackend, keys, { version });
                const plaintext = decryptWithNonceAhead(tweetnaclBackend, keys.dgsddk, encrypted);
                const padding = bytesField(readWireFields(plaintext), 1) ?? new Uint8Array(0);
                expect(padding.byteLength).to.be.at.most(255);
                expect(padding.every((byte) => byte === 0)).to.be.true;
                lengths.add(padding.byteLength);
            }),
            { numRuns: 60 },
        );
        expect(lengths.size).to.be.greaterThan(1);
    });

    it('fails with decryption-failed for the wrong key', function () {
        const encrypted = encryptSharedDeviceData(tweetnaclBackend, keys, { version: 3 });
        expect(() => decryptSharedDeviceData(tweetnaclBackend, otherKeys, encrypted))
            .to.throw(D2mCryptoError)
            .with.property('code', 'decryption-failed');
    });

    it('reads an absent version as 0 and ignores unknown fields', function () {
        // field 3 (Dec 2022 mdm_parameters): an empty embedded message
        const plaintext = new Uint8Array([0x1a, 0x00]);
        const encrypted = encryptWithNonceAhead(tweetnaclBackend, keys.dgsddk, plaintext);
        expect(decryptSharedDeviceData(tweetnaclBackend, keys, encrypted)).to.deep.equal({ version: 0 });
    });

    it('throws invalid-protobuf for a malformed plaintext', function () {
        const encrypted = encryptWithNonceAhead(tweetnaclBackend, keys.dgsddk, new Uint8Array([0x10]));
        expect(() => decryptSharedDeviceData(tweetnaclBackend, keys, encrypted))
            .to.throw(D2mProtocolError)
            .with.property('code', 'invalid-protobuf');
    });

    it('refuses to encrypt a version that is not a u32', function () {
        for (const version of [-1, 0x1_0000_0000, 1.5, Number.NaN]) {
            expect(() => encryptSharedDeviceData(tweetnaclBackend, keys, { version }))
                .to.throw(D2mProtocolError)
                .with.property('code', 'invalid-field');
        }
    });
});
