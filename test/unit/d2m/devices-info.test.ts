import { expect } from 'chai';
import {
    bytesToHex,
    D2mPayloadType,
    decodeMessage,
    DeviceSlotExpirationPolicy,
    encodeMessage,
    ensureDeviceId,
    hexToBytes,
} from '../../../d2m/index.js';

const ID = ensureDeviceId(0x0102030405060708n);
// Entry key: field 1, fixed64 little-endian.
const KEY = '09' + '0807060504030201';

describe('DevicesInfo wire encoding for both revisions', function () {
    it('writes connected_since in field 2 for an online device', function () {
        const frame = encodeMessage({
            type: D2mPayloadType.DEVICES_INFO,
            body: {
                devices: new Map([
                    [
                        ID,
                        {
                            encryptedDeviceInfo: new Uint8Array([0xaa]),
                            deviceSlotExpirationPolicy: DeviceSlotExpirationPolicy.PERSISTENT,
                            connectionState: { type: 'connected', connectedSince: 1000 },
                        },
                    ],
                ]),
            },
        });
        // value: field 1 bytes [aa], field 2 = 1000 (e8 07), field 3 = 1
        const value = '0a01aa' + '10e807' + '1801';
        expect(bytesToHex(frame)).to.equal('31000000' + '0a' + '13' + KEY + '12' + '08' + value);
    });

    it('writes the last login in field 2 and then last_disconnect_at in field 4 for an offline device', function () {
        const frame = encodeMessage({
            type: D2mPayloadType.DEVICES_INFO,
            body: {
                devices: new Map([
                    [
                        ID,
                        {
                            encryptedDeviceInfo: new Uint8Array(0),
                            deviceSlotExpirationPolicy: DeviceSlotExpirationPolicy.VOLATILE,
                            connectionState: { type: 'disconnected', lastLoginAt: 1000, lastDisconnectAt: 2000 },
                        },
                    ],
                ]),
            },
        });
        // Empty bytes and the zero enum are left out, as proto3 allows.
        const value = '10e807' + '20d00f';
        const hex = bytesToHex(frame);
        expect(hex).to.equal('31000000' + '0a' + '11' + KEY + '12' + '06' + value);
        // A decoder that keeps only the last field of the oneof sees "disconnected at 2000".
        expect(hex.lastIndexOf('20d00f')).to.be.greaterThan(hex.indexOf('10e807'));
    });

    it('decodes a seed-server entry (field 2 only) as connected since that time', function () {
        const frame = hexToBytes('31000000' + '0a' + '10' + KEY + '12' + '05' + '10e807' + '1801');
        const message = decodeMessage(frame!);
        expect(message.type).to.equal(D2mPayloadType.DEVICES_INFO);
        if (message.type !== D2mPayloadType.DEVICES_INFO) return;
        expect(message.body.devices.get(ID)?.connectionState).to.deep.equal({
            type: 'connected',
            connectedSince: 1000,
        });
    });
});

describe('ServerInfo wire encoding', function () {
    it('writes all five fields, zero values included', function () {
        const frame = encodeMessage({
            type: D2mPayloadType.SERVER_INFO,
            body: {
                maxDeviceSlots: 0,
                deviceSlotState: 0,
                encryptedSharedDeviceData: new Uint8Array(0),
                currentTime: 0,
                reflectionQueueLength: 0,
            },
        });
        expect(bytesToHex(frame)).to.equal('12000000' + '0800' + '1000' + '1a00' + '2000' + '2800');
    });
});
