import { expect } from 'chai';
import {
    bytesToHex,
    buildClientUrl,
    clientUrlInfoToPathSegment,
    D2mPayloadType,
    decodeMessage,
    encodeMessage,
    ensureDeviceGroupId,
    ensureServerGroup,
    FLAG_EPHEMERAL,
    hexToBytes,
    parseClientUrlPath,
    type D2mMessage,
} from '../../../d2m/index.js';
import {
    CLIENT_URL_EXAMPLE,
    CLIENT_URL_INFO_CURRENT_HEX,
    CLIENT_URL_INFO_SEED_HEX,
    DEVICE_GROUP_ID_HEX,
    ENVELOPE_HEX,
    TIMESTAMP,
    WORKED_FRAMES,
} from '../../vectors/frames.js';

function hex(value: string): Uint8Array {
    const bytes = hexToBytes(value);
    if (bytes === undefined) throw new Error(`bad test vector ${value}`);
    return bytes;
}

const envelope = hex(ENVELOPE_HEX);

describe('d2m worked frames (reference 3.3)', function () {
    const cases: readonly [string, string, D2mMessage][] = [
        [
            'ReflectedAck for id 5',
            WORKED_FRAMES.reflectedAck5,
            { type: D2mPayloadType.REFLECTED_ACK, body: { reflectedId: 5 } },
        ],
        [
            'Reflect id 1, not ephemeral',
            WORKED_FRAMES.reflect1,
            { type: D2mPayloadType.REFLECT, body: { flags: 0, reflectId: 1, envelope } },
        ],
        [
            'Reflect id 2, ephemeral',
            WORKED_FRAMES.reflect2Ephemeral,
            { type: D2mPayloadType.REFLECT, body: { flags: FLAG_EPHEMERAL, reflectId: 2, envelope } },
        ],
        [
            'ReflectAck id 1',
            WORKED_FRAMES.reflectAck1,
            { type: D2mPayloadType.REFLECT_ACK, body: { reflectId: 1, timestamp: TIMESTAMP } },
        ],
        [
            'Reflected id 7, ephemeral',
            WORKED_FRAMES.reflected7Ephemeral,
            {
                type: D2mPayloadType.REFLECTED,
                body: { flags: FLAG_EPHEMERAL, reflectedId: 7, timestamp: TIMESTAMP, envelope },
            },
        ],
        [
            'ReflectionQueueDry',
            WORKED_FRAMES.reflectionQueueDry,
            { type: D2mPayloadType.REFLECTION_QUEUE_DRY, body: {} },
        ],
        [
            'RolePromotedToLeader',
            WORKED_FRAMES.rolePromotedToLeader,
            { type: D2mPayloadType.ROLE_PROMOTED_TO_LEADER, body: {} },
        ],
    ];

    for (const [name, frameHex, message] of cases) {
        it(`encodes ${name} byte for byte`, function () {
            expect(bytesToHex(encodeMessage(message))).to.equal(frameHex);
        });

        it(`decodes ${name}`, function () {
            expect(decodeMessage(hex(frameHex))).to.deep.equal(message);
        });
    }

    it('ignores the reserved bytes of the container on input', function () {
        const frame = hex(WORKED_FRAMES.reflectedAck5);
        frame.set([0xff, 0xee, 0xdd], 1);
        expect(decodeMessage(frame)).to.deep.equal({ type: D2mPayloadType.REFLECTED_ACK, body: { reflectedId: 5 } });
    });

    it('reads the envelope after a longer Reflect header', function () {
        // header_length 12: four more header bytes the receiver skips.
        const frame = hex(`80000000` + `0c000000` + `09000000` + `deadbeef` + ENVELOPE_HEX);
        expect(decodeMessage(frame)).to.deep.equal({
            type: D2mPayloadType.REFLECT,
            body: { flags: 0, reflectId: 9, envelope },
        });
    });

    it('always writes header length 16 and a zero reserved byte in Reflected', function () {
        const frame = encodeMessage({
            type: D2mPayloadType.REFLECTED,
            body: { flags: 0xfffe, reflectedId: 0xffffffff, timestamp: 0, envelope: new Uint8Array(0) },
        });
        expect(bytesToHex(frame)).to.equal('82000000' + '1000feff' + 'ffffffff' + '0000000000000000');
    });
});

describe('ClientUrlInfo (reference 2.1)', function () {
    const info = {
        deviceGroupId: ensureDeviceGroupId(hex(DEVICE_GROUP_ID_HEX)),
        serverGroup: ensureServerGroup('4f'),
    };

    it('encodes the current revision byte for byte', function () {
        expect(clientUrlInfoToPathSegment(info)).to.equal(CLIENT_URL_INFO_CURRENT_HEX);
    });

    it('encodes the seed revision (server group as uint32 field 2)', function () {
        expect(clientUrlInfoToPathSegment(info, 'seed')).to.equal(CLIENT_URL_INFO_SEED_HEX);
    });

    it('builds the URL of the worked example', function () {
        expect(buildClientUrl('wss://mediator-e.threema.ch/e7', info)).to.equal(CLIENT_URL_EXAMPLE);
        expect(buildClientUrl('wss://mediator-e.threema.ch/e7/', info)).to.equal(CLIENT_URL_EXAMPLE);
    });

    it('parses the worked example URL path, ignoring the routing prefix', function () {
        const parsed = parseClientUrlPath(new URL(CLIENT_URL_EXAMPLE).pathname);
        expect(bytesToHex(parsed.deviceGroupId)).to.equal(DEVICE_GROUP_ID_HEX);
        expect(parsed.serverGroup).to.equal('4f');
        expect(parsed.revision).to.equal('current');
    });

    it('parses a seed path and renders the numeric group as two-digit lowercase hex', function () {
        const parsed = parseClientUrlPath(`/${CLIENT_URL_INFO_SEED_HEX}`);
        expect(parsed.serverGroup).to.equal('4f');
        expect(parsed.revision).to.equal('seed');
        const small = parseClientUrlPath(`/${CLIENT_URL_INFO_SEED_HEX.slice(0, -2)}05/`);
        expect(small.serverGroup).to.equal('05');
    });

    it('prefers field 3 when a transition client sends both', function () {
        const both = parseClientUrlPath(`/any/prefix/0a20${DEVICE_GROUP_ID_HEX}104f1a026162`);
        expect(both.serverGroup).to.equal('ab');
        expect(both.revision).to.equal('current');
    });

    it('accepts a trailing slash, a query and upper-case hex', function () {
        const parsed = parseClientUrlPath(`/${CLIENT_URL_INFO_CURRENT_HEX.toUpperCase()}/?x=1`);
        expect(parsed.serverGroup).to.equal('4f');
    });
});
