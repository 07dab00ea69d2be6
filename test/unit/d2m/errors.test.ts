import { expect } from 'chai';
import {
    D2mPayloadType,
    D2mProtocolError,
    decodeMessage,
    encodeFrame,
    encodeMessage,
    FRAME_MAX_BYTE_LENGTH,
    hexToBytes,
    parseClientUrlPath,
    PAYLOAD_TYPES,
    type ProtocolErrorCode,
} from '../../../d2m/index.js';
import { DEVICE_GROUP_ID_HEX, WORKED_FRAMES } from '../../vectors/frames.js';

function hex(value: string): Uint8Array {
    const bytes = hexToBytes(value);
    if (bytes === undefined) throw new Error(`bad test vector ${value}`);
    return bytes;
}

function expectProtocolError(fn: () => unknown, code: ProtocolErrorCode): D2mProtocolError {
    try {
        fn();
    } catch (error) {
        expect(error).to.be.instanceOf(D2mProtocolError);
        expect((error as D2mProtocolError).code).to.equal(code);
        return error as D2mProtocolError;
    }
    expect.fail(`expected a D2mProtocolError '${code}'`);
}

function frame(type: number, payloadHex: string): Uint8Array {
    return hex(type.toString(16).padStart(2, '0') + '000000' + payloadHex);
}

describe('d2m decoding errors', function () {
    describe('container', function () {
        for (const length of [0, 1, 2, 3]) {
            it(`rejects a ${length}-byte frame as too short`, function () {
                expectProtocolError(() => decodeMessage(new Uint8Array(length)), 'frame-too-short');
            });
        }

        it('rejects a frame over 65536 bytes', function () {
            const big = new Uint8Array(FRAME_MAX_BYTE_LENGTH + 1);
            big[0] = D2mPayloadType.PROXY;
            expectProtocolError(() => decodeMessage(big), 'frame-too-long');
        });

        it('accepts a frame of exactly 65536 bytes', function () {
            const max = new Uint8Array(FRAME_MAX_BYTE_LENGTH);
            expect(decodeMessage(max).type).to.equal(D2mPayloadType.PROXY);
        });

        it('refuses to encode a payload over 65532 bytes', function () {
            expectProtocolError(() => encodeFrame(D2mPayloadType.PROXY, new Uint8Array(65533)), 'frame-too-long');
        });

        it('rejects every unknown payload type', function () {
            for (let type = 0; type < 256; type++) {
                if (PAYLOAD_TYPES.has(type)) continue;
                const error = expectProtocolError(() => decodeMessage(frame(type, '')), 'unknown-payload-type');
                expect(error.message).to.match(/^unknown payload type 0x[0-9a-f]{2}$/u);
            }
        });
    });

    describe('struct payloads', function () {
        it('rejects a ReflectedAck of the wrong length', function () {
            expectProtocolError(() => decodeMessage(frame(0x83, '0000000005000000ff')), 'invalid-struct');
            expectProtocolError(() => decodeMessage(frame(0x83, '00000000050000')), 'invalid-struct');
        });

        it('rejects a ReflectAck of the wrong length', function () {
            expectProtocolError(() => decodeMessage(hex(WORKED_FRAMES.reflectAck1).subarray(0, 19)), 'invalid-struct');
            expectProtocolError(() => decodeMessage(hex(WORKED_FRAMES.reflectAck1 + '00')), 'invalid-struct');
        });

        it('rejects a truncated Reflect header', function () {
            expectProtocolError(() => decodeMessage(frame(0x80, '08000000010000')), 'invalid-struct');
            expectProtocolError(() => decodeMessage(frame(0x80, '')), 'invalid-struct');
        });

        it('rejects a Reflect whose header length is below 8 or beyond the payload', function () {
            expectProtocolError(() => decodeMessage(frame(0x80, '0700000001000000')), 'invalid-struct');
            expectProtocolError(() => decodeMessage(frame(0x80, '0a00000001000000ff')), 'invalid-struct');
        });

        it('rejects a Reflected whose header length is below 16', function () {
            expectProtocolError(
                () => decodeMessage(frame(0x82, '08000000' + '07000000' + '0000000000000000')),
                'invalid-struct',
            );
        });

        it('rejects a timestamp beyond 2^53 - 1', function () {
            expectProtocolError(
                () => decodeMessage(frame(0x81, '00000000' + '01000000' + 'ffffffffffffffff')),
                'invalid-struct',
            );
        });

        it('refuses to encode out-of-range struct fields', function () {
            expectProtocolError(
                () => encodeMessage({ type: D2mPayloadType.REFLECTED_ACK, body: { reflectedId: 2 ** 32 } }),
                'invalid-struct',
            );
            expectProtocolError(
                () =>
                    encodeMessage({
                        type: D2mPayloadType.REFLECT,
                        body: { flags: 0x10000, reflectId: 1, envelope: new Uint8Array(0) },
                    }),
                'invalid-struct',
            );
        });

        it('refuses to encode a Reflected envelope over 65516 bytes', function () {
            expectProtocolError(
                () =>
                    encodeMessage({
                        type: D2mPayloadType.REFLECTED,
                        body: { flags: 0, reflectedId: 1, timestamp: 1, envelope: new Uint8Array(65517) },
                    }),
                'invalid-struct',
            );
        });
    });

    describe('protobuf payloads', function () {
        it('rejects truncated protobuf', function () {
            // ServerHello: field 2, length 32, but only 3 bytes follow.
            expectProtocolError(() => decodeMessage(frame(0x10, '1220010203')), 'invalid-protobuf');
        });

        it('rejects an invalid wire type', function () {
            expectProtocolError(() => decodeMessage(frame(0x30, '0f')), 'invalid-protobuf');
        });

        it('rejects a ServerHello whose esk or challenge is not 32 bytes', function () {
            const key = '11'.repeat(32);
            expectProtocolError(
                () => decodeMessage(frame(0x10, `0800121f${'11'.repeat(31)}1a20${key}`)),
                'invalid-field',
            );
            expectProtocolError(() => decodeMessage(frame(0x10, `08001220${key}`)), 'invalid-field');
        });

        it('rejects a ClientHello whose response is not 72 bytes', function () {
            expectProtocolError(() => decodeMessage(frame(0x11, `0800120401020304`)), 'invalid-field');
        });

        it('rejects out-of-range enum values', function () {
            const response = `1248${'00'.repeat(72)}`;
            expectProtocolError(() => decodeMessage(frame(0x11, `${response}2002`)), 'invalid-field');
            expectProtocolError(() => decodeMessage(frame(0x11, `${response}2805`)), 'invalid-field');
            expectProtocolError(() => decodeMessage(frame(0x11, `${response}3802`)), 'invalid-field');
            expectProtocolError(() => decodeMessage(frame(0x12, `1002`)), 'invalid-field');
        });

        it('rejects a ServerInfo current_time beyond 2^53 - 1', function () {
            expectProtocolError(() => decodeMessage(frame(0x12, `20ffffffffffffffffff01`)), 'invalid-field');
        });

        it('accepts unknown fields in an empty message', function () {
            expect(decodeMessage(frame(0x30, '0801')).type).to.equal(D2mPayloadType.GET_DEVICES_INFO);
        });
    });

    describe('ClientUrlInfo', function () {
        const cases: readonly [string, string][] = [
            ['an empty path', '/'],
            ['a non-hex segment', '/zz'],
            ['odd-length hex', '/0a2'],
            ['malformed protobuf', '/0a20'],
            ['a short device group id', `/0a1f${DEVICE_GROUP_ID_HEX.slice(2)}1a023466`],
            ['no server group', `/0a20${DEVICE_GROUP_ID_HEX}`],
            ['an invalid server group string', `/0a20${DEVICE_GROUP_ID_HEX}1a022d2d`],
            ['an empty server group string', `/0a20${DEVICE_GROUP_ID_HEX}1a00`],
            ['an overlong segment', `/${'00'.repeat(600)}`],
        ];
        for (const [name, path] of cases) {
            it(`rejects ${name}`, function () {
                expectProtocolError(() => parseClientUrlPath(path), 'invalid-client-url-info');
            });
        }
    });
});
