/**
 * d2d.DeviceInfo: round trips, PKCS#7-style padding and decoding rules.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { D2mCryptoError, D2mProtocolError, tweetnaclBackend, type CryptoBackend } from '../../../d2m/index.js';
import {
    decryptDeviceInfo,
    decryptWithNonceAhead,
    deriveDeviceGroupKeys,
    DevicePlatform,
    encryptDeviceInfo,
    encryptWithNonceAhead,
    type DeviceInfo,
} from '../../../d2d/index.js';
import { sodiumCryptoBackend } from '../../../src/crypto/index.js';
import { bytesField, readWireFields } from './protobuf-wire.js';

const BACKENDS: readonly CryptoBackend[] = [tweetnaclBackend, sodiumCryptoBackend];
const keys = deriveDeviceGroupKeys(tweetnaclBackend, tweetnaclBackend.randomBytes(32));
const otherKeys = deriveDeviceGroupKeys(tweetnaclBackend, tweetnaclBackend.randomBytes(32));

const anyDeviceInfo: fc.Arbitrary<DeviceInfo> = fc.record({
    platform: fc.constantFrom(
        DevicePlatform.UNSPECIFIED,
        DevicePlatform.ANDROID,
        DevicePlatform.IOS,
        DevicePlatform.DESKTOP,
        DevicePlatform.WEB,
    ),
    platformDetails: fc.string({ unit: 'binary', maxLength: 40 }),
    appVersion: fc.string({ unit: 'binary', maxLength: 20 }),
    label: fc.string({ unit: 'binary', maxLength: 40 }),
});

const DESKTOP: DeviceInfo = {
    platform: DevicePlatform.DESKTOP,
    platformDetails: 'Electron 130 on Linux',
    appVersion: '2.0.0',
    label: 'Work laptop',
};

/** Decrypts with DGDIK and returns the padding field. */
function paddingOf(encrypted: Uint8Array): Uint8Array | undefined {
    return bytesField(readWireFields(decryptWithNonceAhead(tweetnaclBackend, keys.dgdik, encrypted)), 1);
}

describe('d2d DeviceInfo', function () {
    it('has the platform values of d2d.DeviceInfo.Platform', function () {
        expect([
            DevicePlatform.UNSPECIFIED,
            DevicePlatform.ANDROID,
            DevicePlatform.IOS,
            DevicePlatform.DESKTOP,
            DevicePlatform.WEB,
        ]).to.deep.equal([0, 1, 2, 3, 4]);
    });

    for (const backend of BACKENDS) {
        it(`round-trips any device info (${backend.name})`, function () {
            fc.assert(
                fc.property(anyDeviceInfo, (info) => {
                    const encrypted = encryptDeviceInfo(backend, keys, info);
                    expect(decryptDeviceInfo(backend, keys, encrypted)).to.deep.equal(info);
                }),
                { numRuns: 50 },
            );
        });
    }

    it('pads with 1 to 255 bytes, each equal to the padding length (PKCS#7 style)', function () {
        const lengths = new Set<number>();
        fc.assert(
            fc.property(anyDeviceInfo, (info) => {
                const padding = paddingOf(encryptDeviceInfo(tweetnaclBackend, keys, info));
                expect(padding).to.not.equal(undefined);
                const length = padding!.byteLength;
                expect(length).to.be.within(1, 255);
                expect([...padding!].every((byte) => byte === length)).to.be.true;
                lengths.add(length);
            }),
            { numRuns: 60 },
        );
        expect(lengths.size).to.be.greaterThan(1);
    });

    it('fails with decryption-failed for another group key or another derived key', function () {
        const encrypted = encryptDeviceInfo(tweetnaclBackend, keys, DESKTOP);
        expect(() => decryptDeviceInfo(tweetnaclBackend, otherKeys, encrypted))
            .to.throw(D2mCryptoError)
            .with.property('code', 'decryption-failed');
        const withReflectKey = { ...keys, dgdik: keys.dgrk };
        expect(() => decryptDeviceInfo(tweetnaclBackend, withReflectKey, encrypted))
            .to.throw(D2mCryptoError)
            .with.property('code', 'decryption-failed');
    });

    it('decodes an unknown platform value as UNSPECIFIED', function () {
        // platform = 9, label = "A"
        const plaintext = new Uint8Array([0x10, 0x09, 0x2a, 0x01, 0x41]);
        const encrypted = encryptWithNonceAhead(tweetnaclBackend, keys.dgdik, plaintext);
        expect(decryptDeviceInfo(tweetnaclBackend, keys, encrypted)).to.deep.equal({
            platform: DevicePlatform.UNSPECIFIED,
            platformDetails: '',
            appVersion: '',
            label: 'A',
        });
    });

    it('accepts device info without padding', function () {
        const plaintext = new Uint8Array([0x10, 0x03]);
        const encrypted = encryptWithNonceAhead(tweetnaclBackend, keys.dgdik, plaintext);
        expect(decryptDeviceInfo(tweetnaclBackend, keys, encrypted).platform).to.equal(DevicePlatform.DESKTOP);
    });

    it('throws invalid-protobuf for a malformed plaintext', function () {
        const encrypted = encryptWithNonceAhead(tweetnaclBackend, keys.dgdik, new Uint8Array([0x0a, 0x05, 0x01]));
        expect(() => decryptDeviceInfo(tweetnaclBackend, keys, encrypted))
            .to.throw(D2mProtocolError)
            .with.property('code', 'invalid-protobuf');
    });

    it('refuses to encrypt an unknown platform', function () {
        const info = { ...DESKTOP, platform: 9 as DevicePlatform };
        expect(() => encryptDeviceInfo(tweetnaclBackend, keys, info))
            .to.throw(D2mProtocolError)
            .with.property('code', 'invalid-field');
    });
});
