/**
 * How the WebSocket edge ends a connection, as a raw client sees it on a
 * real node: a frame over the protocol's 65536 bytes is closed with 4010
 * (not cut by uWebSockets.js without a close frame), and a client that stays
 * silent, not even answering pings, is closed with 4013 after the idle
 * timeout, while one that answers pings stays connected.
 */
import { expect } from 'chai';
import {
    buildClientUrl,
    CloseCode,
    D2mPayloadType,
    ensureServerGroup,
    FRAME_MAX_BYTE_LENGTH,
} from '../../d2m/index.js';
import { RECEIVE_MAX_BYTE_LENGTH } from '../../src/transport/uws-server.js';
import { SERVER_GROUP, TestGroup } from '../helpers/devices.js';
import { startTestMediator, type TestMediator } from '../helpers/mediator.js';
import { rawHandshake, RawClient } from '../helpers/raw-client.js';

const IDLE_TIMEOUT_S = 8;

function groupUrl(node: TestMediator, group: TestGroup): string {
    return buildClientUrl(
        node.url,
        { deviceGroupId: group.keys.deviceGroupId, serverGroup: ensureServerGroup(SERVER_GROUP) },
        'current',
    );
}

async function authenticated(
    node: TestMediator,
    group: TestGroup,
    deviceId: bigint,
    options: { readonly autoPong?: boolean } = {},
): Promise<RawClient> {
    const raw = await RawClient.open(groupUrl(node, group), options);
    await rawHandshake(raw, { dgpkSecretKey: group.keys.dgpk.secretKey, deviceId });
    await raw.nextOf(D2mPayloadType.SERVER_INFO);
    return raw;
}

/** A Proxy frame (type 0x00, three reserved bytes) of `byteLength` bytes in all. */
function proxyFrame(byteLength: number): Uint8Array {
    return new Uint8Array(byteLength);
}

describe('transport closes (real WebSocket client)', function () {
    describe('frames over the maximum', function () {
        let node: TestMediator;

        before(async function () {
            node = await startTestMediator();
        });

        after(async function () {
            await node.stop();
        });

        it('closes a frame of 65537 bytes before the handshake with 4010', async function () {
            const raw = await RawClient.open(groupUrl(node, new TestGroup(node.url)));
            expect((await raw.next()).type).to.equal(D2mPayloadType.SERVER_HELLO);
            raw.sendFrame(proxyFrame(FRAME_MAX_BYTE_LENGTH + 1));
            const closed = await raw.closed;
            expect(closed.code).to.equal(CloseCode.PROTOCOL_ERROR);
            expect(closed.reason).to.equal('frame longer than 65536 bytes');
        });

        it('closes a frame of 65537 bytes from an authenticated device with 4010', async function () {
            const raw = await authenticated(node, new TestGroup(node.url), 1n);
            raw.sendFrame(proxyFrame(FRAME_MAX_BYTE_LENGTH + 1));
            expect((await raw.closed).code).to.equal(CloseCode.PROTOCOL_ERROR);
        });

        it(`closes the longest message it receives (${RECEIVE_MAX_BYTE_LENGTH} bytes) with 4010`, async function () {
            const raw = await authenticated(node, new TestGroup(node.url), 1n);
            raw.sendFrame(proxyFrame(RECEIVE_MAX_BYTE_LENGTH));
            expect((await raw.closed).code).to.equal(CloseCode.PROTOCOL_ERROR);
        });
    });

    describe('idle connections', function () {
        this.timeout(30_000);
        let node: TestMediator;

        before(async function () {
            node = await startTestMediator({ config: { idleTimeoutS: IDLE_TIMEOUT_S } });
        });

        after(async function () {
            await node.stop();
        });

        it('pings a silent client, closes it with 4013 after the idle timeout, and keeps one that answers', async function () {
            const group = new TestGroup(node.url);
            const started = performance.now();
            const silent = await authenticated(node, group, 1n, { autoPong: false });
            const answering = await authenticated(node, group, 2n);
            let pings = 0;
            silent.socket.on('ping', () => pings++);

            const closed = await silent.closed;
            const afterMs = performance.now() - started;
            expect(closed.code).to.equal(CloseCode.CLIENT_IDLE_TIMEOUT);
            expect(closed.reason).to.equal('idle timeout');
            expect(pings).to.be.at.least(1);
            expect(afterMs).to.be.within(IDLE_TIMEOUT_S * 1000 - 100, IDLE_TIMEOUT_S * 1000 + 5000);

            // The client that answers pings (ws does by default) outlives the timeout by half again.
            await new Promise((resolve) => setTimeout(resolve, IDLE_TIMEOUT_S * 500));
            expect(answering.socket.readyState).to.equal(answering.socket.OPEN);
            answering.close();
        });
    });
});
