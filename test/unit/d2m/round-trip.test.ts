import { expect } from 'chai';
import fc from 'fast-check';
import {
    D2mPayloadType,
    D2mProtocolError,
    decodeMessage,
    encodeMessage,
    PAYLOAD_TYPES,
    payloadTypeName,
    type D2mMessage,
} from '../../../d2m/index.js';
import { anyMessage, MESSAGE_ARBITRARIES } from '../../helpers/arbitraries.js';

/**
 * chai compares Map entries by sorting them, which fails on the prototype-less
 * objects fast-check sometimes builds; compare DevicesInfo as a sorted list.
 */
function comparable(message: D2mMessage): unknown {
    if (message.type !== D2mPayloadType.DEVICES_INFO) return message;
    const entries = [...message.body.devices].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return { type: message.type, devices: entries.map(([id, info]) => [id, { ...info }]) };
}

describe('d2m round trips (property)', function () {
    it('has an arbitrary for each of the 21 payload types', function () {
        expect(PAYLOAD_TYPES.size).to.equal(21);
        expect([...MESSAGE_ARBITRARIES.keys()].sort()).to.deep.equal([...PAYLOAD_TYPES.keys()].sort());
    });

    for (const [type, arbitrary] of MESSAGE_ARBITRARIES) {
        it(`decode(encode(m)) = m for ${payloadTypeName(type)}`, function () {
            fc.assert(
                fc.property(arbitrary, (message) => {
                    const frame = encodeMessage(message);
                    expect(frame[0]).to.equal(type);
                    expect([...frame.subarray(1, 4)]).to.deep.equal([0, 0, 0]);
                    expect(comparable(decodeMessage(frame))).to.deep.equal(comparable(message));
                }),
                { numRuns: 200 },
            );
        });

        it(`encoding is canonical for ${payloadTypeName(type)}`, function () {
            fc.assert(
                fc.property(arbitrary, (message) => {
                    const frame = encodeMessage(message);
                    expect(encodeMessage(decodeMessage(frame))).to.deep.equal(frame);
                }),
                { numRuns: 100 },
            );
        });
    }
});

function expectOnlyProtocolErrors(frame: Uint8Array): void {
    try {
        decodeMessage(frame);
    } catch (error) {
        if (!(error instanceof D2mProtocolError)) throw error;
    }
}

describe('d2m decoder robustness (property)', function () {
    it('throws only D2mProtocolError for arbitrary bytes', function () {
        fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), expectOnlyProtocolErrors), { numRuns: 5000 });
    });

    it('throws only D2mProtocolError for every known type with an arbitrary payload', function () {
        const types = fc.constantFrom(...PAYLOAD_TYPES.keys());
        fc.assert(
            fc.property(types, fc.uint8Array({ maxLength: 200 }), (type, payload) => {
                const frame = new Uint8Array(4 + payload.byteLength);
                frame[0] = type;
                frame.set(payload, 4);
                expectOnlyProtocolErrors(frame);
            }),
            { numRuns: 5000 },
        );
    });

    it('throws only D2mProtocolError for mutated valid frames', function () {
        const mutation = fc.record({
            position: fc.nat(),
            value: fc.integer({ min: 0, max: 255 }),
            truncate: fc.nat(),
            mode: fc.constantFrom('flip', 'truncate', 'append'),
        });
        fc.assert(
            fc.property(anyMessage, mutation, (message, { position, value, truncate, mode }) => {
                const frame = encodeMessage(message);
                if (mode === 'flip') {
                    frame[position % frame.byteLength] = value;
                    expectOnlyProtocolErrors(frame);
                } else if (mode === 'truncate') {
                    expectOnlyProtocolErrors(frame.subarray(0, truncate % (frame.byteLength + 1)));
                } else {
                    const longer = new Uint8Array(frame.byteLength + 1);
                    longer.set(frame);
                    longer[frame.byteLength] = value;
                    expectOnlyProtocolErrors(longer);
                }
            }),
            { numRuns: 5000 },
        );
    });

    it('decodes a presence-aware ClientHello: field 7 absent is undefined, present NEW is NEW', function () {
        const base = {
            version: 0,
            response: new Uint8Array(72),
            deviceId: 1n as never,
            deviceSlotsExhaustedPolicy: 0,
            deviceSlotExpirationPolicy: 1,
            encryptedDeviceInfo: new Uint8Array(0),
        };
        const absent = decodeMessage(
            encodeMessage({ type: D2mPayloadType.CLIENT_HELLO, body: { ...base, expectedDeviceSlotState: undefined } }),
        );
        const present = decodeMessage(
            encodeMessage({ type: D2mPayloadType.CLIENT_HELLO, body: { ...base, expectedDeviceSlotState: 0 } }),
        );
        expect(absent.type === D2mPayloadType.CLIENT_HELLO && absent.body.expectedDeviceSlotState).to.equal(undefined);
        expect(present.type === D2mPayloadType.CLIENT_HELLO && present.body.expectedDeviceSlotState).to.equal(0);
    });
});
