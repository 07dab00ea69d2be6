/**
 * d2d.Envelope: plain and encrypted round trips, field numbers of reference
 * 8.3, zero padding and decoding rules.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import {
    D2mCryptoError,
    D2mProtocolError,
    tweetnaclBackend,
    type CryptoBackend,
    type DeviceId,
} from '../../../d2m/index.js';
import {
    decodeEnvelope,
    decryptEnvelope,
    decryptWithNonceAhead,
    deriveDeviceGroupKeys,
    encodeEnvelope,
    encryptEnvelope,
    type Envelope,
    type EnvelopeContentKind,
} from '../../../d2d/index.js';
import { sodiumCryptoBackend } from '../../../src/crypto/index.js';
import { bytesField, readWireFields } from './protobuf-wire.js';

const BACKENDS: readonly CryptoBackend[] = [tweetnaclBackend, sodiumCryptoBackend];
const keys = deriveDeviceGroupKeys(tweetnaclBackend, tweetnaclBackend.randomBytes(32));
const otherKeys = deriveDeviceGroupKeys(tweetnaclBackend, tweetnaclBackend.randomBytes(32));

/** Field numbers of the `content` oneof (reference 8.3). */
const CONTENT_FIELD_NUMBERS: Readonly<Record<EnvelopeContentKind, number>> = {
    outgoingMessage: 2,
    incomingMessage: 4,
    userProfileSync: 5,
    contactSync: 6,
    groupSync: 7,
    distributionListSync: 8,
    settingsSync: 9,
    outgoingMessageUpdate: 10,
    incomingMessageUpdate: 11,
    mdmParameterSync: 12,
};
const KINDS = Object.keys(CONTENT_FIELD_NUMBERS) as EnvelopeContentKind[];

const anyDeviceId = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((value) => value as DeviceId);
const anyEnvelope: fc.Arbitrary<Envelope> = fc.record({
    deviceId: anyDeviceId,
    content: fc.option(fc.record({ kind: fc.constantFrom(...KINDS), data: fc.uint8Array({ maxLength: 200 }) }), {
        nil: undefined,
    }),
});
const anyPaddingLength = fc.integer({ min: 0, max: 255 });

const SAMPLE: Envelope = {
    deviceId: 0x0102_0304_0506_0708n as DeviceId,
    content: { kind: 'outgoingMessage', data: new Uint8Array([1, 2, 3]) },
};

function expectProtocolError(action: () => unknown, code: string): void {
    expect(action).to.throw(D2mProtocolError).with.property('code', code);
}

describe('d2d Envelope', function () {
    describe('plain protobuf', function () {
        it('round-trips any envelope with any padding length', function () {
            fc.assert(
                fc.property(anyEnvelope, anyPaddingLength, (envelope, paddingLength) => {
                    expect(decodeEnvelope(encodeEnvelope(envelope, paddingLength))).to.deep.equal(envelope);
                }),
                { numRuns: 100 },
            );
        });

        it('writes padding (field 1, zeros), device id (field 13, fixed64) and the content field of reference 8.3', function () {
            fc.assert(
                fc.property(anyEnvelope, anyPaddingLength, (envelope, paddingLength) => {
                    const fields = readWireFields(encodeEnvelope(envelope, paddingLength));
                    const padding = bytesField(fields, 1) ?? new Uint8Array(0);
                    expect(padding.byteLength).to.equal(paddingLength);
                    expect(padding.every((byte) => byte === 0)).to.be.true;
                    const deviceId = fields.find((field) => field.fieldNumber === 13);
                    if (envelope.deviceId === 0n) {
                        expect(deviceId).to.equal(undefined);
                    } else {
                        expect(deviceId).to.deep.include({ wireType: 1, value: envelope.deviceId });
                    }
                    const contentFields = fields.filter((field) => ![1, 13].includes(field.fieldNumber));
                    if (envelope.content === undefined) {
                        expect(contentFields).to.have.lengthOf(0);
                    } else {
                        expect(contentFields).to.have.lengthOf(1);
                        expect(contentFields[0]!.fieldNumber).to.equal(CONTENT_FIELD_NUMBERS[envelope.content.kind]);
                        expect(contentFields[0]!.value).to.deep.equal(envelope.content.data);
                    }
                }),
                { numRuns: 100 },
            );
        });

        it('encodes without padding by default', function () {
            expect(bytesField(readWireFields(encodeEnvelope(SAMPLE)), 1)).to.equal(undefined);
        });

        it('decodes empty bytes as device 0 without content', function () {
            expect(decodeEnvelope(new Uint8Array(0))).to.deep.equal({ deviceId: 0n, content: undefined });
        });

        it('takes the last content field on the wire and skips unknown fields', function () {
            // outgoing_message = aa, field 3 (unused) = varint 1, incoming_message = bb
            const bytes = new Uint8Array([0x12, 0x01, 0xaa, 0x18, 0x01, 0x22, 0x01, 0xbb]);
            expect(decodeEnvelope(bytes)).to.deep.equal({
                deviceId: 0n,
                content: { kind: 'incomingMessage', data: new Uint8Array([0xbb]) },
            });
        });

        it('throws invalid-protobuf for malformed bytes', function () {
            for (const bytes of [[0x0a, 0x05, 0x00], [0x69, 0x01, 0x02], [0x12], [0x0f]]) {
                expectProtocolError(() => decodeEnvelope(new Uint8Array(bytes)), 'invalid-protobuf');
            }
        });

        it('refuses a device id beyond u64, a padding length out of 0..255 and an unknown content kind', function () {
            expectProtocolError(
                () => encodeEnvelope({ ...SAMPLE, deviceId: (1n << 64n) as DeviceId }),
                'invalid-field',
            );
            expectProtocolError(() => encodeEnvelope({ ...SAMPLE, deviceId: -1n as DeviceId }), 'invalid-field');
            for (const paddingLength of [-1, 256, 1.5]) {
                expectProtocolError(() => encodeEnvelope(SAMPLE, paddingLength), 'invalid-field');
            }
            const bogus = { ...SAMPLE, content: { kind: 'bogus' as EnvelopeContentKind, data: new Uint8Array(1) } };
            expectProtocolError(() => encodeEnvelope(bogus), 'invalid-field');
        });
    });

    describe('encrypted with DGRK', function () {
        for (const backend of BACKENDS) {
            it(`round-trips any envelope (${backend.name})`, function () {
                fc.assert(
                    fc.property(anyEnvelope, (envelope) => {
                        const encrypted = encryptEnvelope(backend, keys, envelope);
                        expect(decryptEnvelope(backend, keys, encrypted)).to.deep.equal(envelope);
                    }),
                    { numRuns: 50 },
                );
            });
        }

        it('honours a fixed padding length', function () {
            fc.assert(
                fc.property(anyEnvelope, anyPaddingLength, (envelope, paddingLength) => {
                    const encrypted = encryptEnvelope(tweetnaclBackend, keys, envelope, { paddingLength });
                    expect(encrypted.byteLength).to.equal(encodeEnvelope(envelope, paddingLength).byteLength + 40);
                }),
                { numRuns: 50 },
            );
        });

        it('pads with 0 to 255 zero bytes of random length by default', function () {
            const lengths = new Set<number>();
            for (let i = 0; i < 40; i++) {
                const plaintext = decryptWithNonceAhead(
                    tweetnaclBackend,
                    keys.dgrk,
                    encryptEnvelope(tweetnaclBackend, keys, SAMPLE),
                );
                const padding = bytesField(readWireFields(plaintext), 1) ?? new Uint8Array(0);
                expect(padding.byteLength).to.be.at.most(255);
                expect(padding.every((byte) => byte === 0)).to.be.true;
                lengths.add(padding.byteLength);
            }
            expect(lengths.size).to.be.greaterThan(1);
        });

        it('fails with decryption-failed for the wrong key or tampered bytes', function () {
            const encrypted = encryptEnvelope(tweetnaclBackend, keys, SAMPLE);
            expect(() => decryptEnvelope(tweetnaclBackend, otherKeys, encrypted))
                .to.throw(D2mCryptoError)
                .with.property('code', 'decryption-failed');
            const tampered = encrypted.slice();
            tampered[tampered.byteLength - 1]! ^= 0x01;
            expect(() => decryptEnvelope(tweetnaclBackend, keys, tampered))
                .to.throw(D2mCryptoError)
                .with.property('code', 'decryption-failed');
        });
    });
});
