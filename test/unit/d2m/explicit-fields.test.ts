/**
 * Fields a current client requires on the wire are written even when their
 * value is zero: a default-skipping encoder would leave them out, and the
 * desktop's decoder rejects a message without them.
 */
import { expect } from 'chai';
import {
    bytesToHex,
    D2mPayloadType,
    decodeMessage,
    DeviceSlotExpirationPolicy,
    encodeMessage,
    ensureDeviceId,
} from '../../../d2m/index.js';

const DEVICE_0 = ensureDeviceId(0n);
/** Field 1, fixed64, value 0. */
const DEVICE_ID_0_FIELD = '09' + '0000000000000000';

describe('d2m zero values that are still written', function () {
    it('writes device id 0 in DropDeviceAck', function () {
        const frame = encodeMessage({ type: D2mPayloadType.DROP_DEVICE_ACK, body: { deviceId: DEVICE_0 } });
        expect(bytesToHex(frame)).to.equal('33000000' + DEVICE_ID_0_FIELD);
        expect(decodeMessage(frame)).to.deep.equal({ type: D2mPayloadType.DROP_DEVICE_ACK, body: { deviceId: 0n } });
    });

    it('writes device id 0 in DropDevice', function () {
        const frame = encodeMessage({ type: D2mPayloadType.DROP_DEVICE, body: { deviceId: DEVICE_0 } });
        expect(bytesToHex(frame)).to.equal('32000000' + DEVICE_ID_0_FIELD);
    });

    for (const [name, type, typeHex] of [
        ['TransactionRejected', D2mPayloadType.TRANSACTION_REJECTED, '44'],
        ['TransactionEnded', D2mPayloadType.TRANSACTION_ENDED, '45'],
    ] as const) {
        it(`writes device id 0 and an empty scope in ${name}`, function () {
            const frame = encodeMessage({ type, body: { deviceId: DEVICE_0, encryptedScope: new Uint8Array(0) } });
            expect(bytesToHex(frame)).to.equal(`${typeHex}000000` + DEVICE_ID_0_FIELD + '1200');
        });

        it(`writes the device id before the scope in ${name}`, function () {
            const frame = encodeMessage({
                type,
                body: { deviceId: ensureDeviceId(0x0102030405060708n), encryptedScope: Uint8Array.of(0xaa, 0xbb) },
            });
            expect(bytesToHex(frame)).to.equal(`${typeHex}000000` + '09' + '0807060504030201' + '1202aabb');
        });
    }

    it('writes the map key of device 0 in DevicesInfo', function () {
        const frame = encodeMessage({
            type: D2mPayloadType.DEVICES_INFO,
            body: {
                devices: new Map([
                    [
                        DEVICE_0,
                        {
                            encryptedDeviceInfo: Uint8Array.of(0x01),
                            deviceSlotExpirationPolicy: DeviceSlotExpirationPolicy.PERSISTENT,
                            connectionState: { type: 'connected', connectedSince: 5 },
                        },
                    ],
                ]),
            },
        });
        const hex = bytesToHex(frame);
        // Entry: field 1, length-delimited; then its key, field 1 fixed64 = 0.
        expect(hex.slice(0, 8)).to.equal('31000000');
        expect(hex.slice(8, 10)).to.equal('0a');
        expect(hex.slice(12, 12 + DEVICE_ID_0_FIELD.length)).to.equal(DEVICE_ID_0_FIELD);
        const decoded = decodeMessage(frame);
        expect(decoded.type).to.equal(D2mPayloadType.DEVICES_INFO);
        if (decoded.type !== D2mPayloadType.DEVICES_INFO) return;
        expect([...decoded.body.devices.keys()]).to.deep.equal([0n]);
    });

    it('writes version 0 in ServerHello', function () {
        const esk = new Uint8Array(32).fill(0x11);
        const challenge = new Uint8Array(32).fill(0x22);
        const frame = encodeMessage({ type: D2mPayloadType.SERVER_HELLO, body: { version: 0, esk, challenge } });
        expect(bytesToHex(frame)).to.equal(
            '10000000' + '0800' + '1220' + bytesToHex(esk) + '1a20' + bytesToHex(challenge),
        );
    });
});
