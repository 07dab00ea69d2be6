/**
 * ServerHello and ServerInfo, sent on every handshake, are written directly
 * into one exact-size array. They must be byte for byte what protobufjs's
 * Writer makes of the same fields, at every varint length boundary, and
 * values out of range must still go through the Writer.
 */
import { expect } from 'chai';
import { bytesToHex, DeviceSlotState, ServerHello, ServerInfo } from '../../../d2m/index.js';

const U32_MAX = 2 ** 32 - 1;
const VARINTS = [0, 1, 127, 128, 300, 16_383, 16_384, 2_097_151, 2_097_152, 268_435_455, 268_435_456, U32_MAX];
const LONG_VARINTS = [...VARINTS, 2 ** 32, 1_764_800_000_000, 2 ** 49, Number.MAX_SAFE_INTEGER];
const LENGTHS = [0, 1, 32, 127, 128, 300];

function filled(length: number, seed: number): Uint8Array {
    return Uint8Array.from({ length }, (_, index) => (index * 31 + seed) & 0xff);
}

describe('direct encoders of ServerHello and ServerInfo', function () {
    it('ServerHello: the Writer bytes for every version and field length', function () {
        for (const version of VARINTS) {
            for (const length of LENGTHS) {
                const message = { version, esk: filled(length, 1), challenge: filled(32, 2) };
                expect(bytesToHex(ServerHello.encode(message)), `${version}/${length}`).to.equal(
                    bytesToHex(ServerHello.encodeWithWriter(message)),
                );
            }
        }
    });

    it('ServerInfo: the Writer bytes for every number and data length', function () {
        for (const number of VARINTS) {
            for (const time of LONG_VARINTS) {
                for (const state of [DeviceSlotState.NEW, DeviceSlotState.EXISTING]) {
                    const message = {
                        maxDeviceSlots: number,
                        deviceSlotState: state,
                        encryptedSharedDeviceData: filled(number % 301, 3),
                        currentTime: time,
                        reflectionQueueLength: U32_MAX - number,
                    };
                    expect(bytesToHex(ServerInfo.encode(message)), `${number}/${time}/${state}`).to.equal(
                        bytesToHex(ServerInfo.encodeWithWriter(message)),
                    );
                    expect(ServerInfo.decode(ServerInfo.encode(message))).to.deep.equal(message);
                }
            }
        }
    });

    it('falls back to the Writer for numbers out of range', function () {
        const base = {
            maxDeviceSlots: 6,
            deviceSlotState: DeviceSlotState.NEW,
            encryptedSharedDeviceData: new Uint8Array(0),
            currentTime: 1,
            reflectionQueueLength: 0,
        };
        for (const message of [
            { ...base, maxDeviceSlots: Infinity },
            { ...base, maxDeviceSlots: 2 ** 32 },
            { ...base, maxDeviceSlots: 1.5 },
            { ...base, deviceSlotState: -1 as DeviceSlotState },
            { ...base, currentTime: 2 ** 60 },
            { ...base, reflectionQueueLength: -1 },
        ]) {
            expect(bytesToHex(ServerInfo.encode(message))).to.equal(bytesToHex(ServerInfo.encodeWithWriter(message)));
        }
        const hello = { version: -1, esk: filled(32, 1), challenge: filled(32, 2) };
        expect(bytesToHex(ServerHello.encode(hello))).to.equal(bytesToHex(ServerHello.encodeWithWriter(hello)));
    });
});
