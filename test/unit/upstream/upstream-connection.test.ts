import { expect } from 'chai';
import { Socket } from 'node:net';
import { PAYLOAD_MAX_BYTE_LENGTH } from '../../../d2m/index.js';
import { ChatServerProxyError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log/logger.js';
import { ChatServerProxy } from '../../../src/upstream/chat-server-proxy.js';
import { loadChatServerAddressMap } from '../../../src/upstream/address-map.js';
import { CountingProxyMetrics } from '../../../src/upstream/metrics.js';
import { UpstreamConnection } from '../../../src/upstream/upstream-connection.js';

const device = { sendProxy: (): void => undefined, bufferedAmount: (): number => 0 };

describe('upstream connection', function () {
    it('fails with connect-timeout (4001) when the connection is not established in time', async function () {
        const metrics = new CountingProxyMetrics();
        // A socket that never connects (no network involved).
        const socket = new Socket();
        const ended = new Promise<ChatServerProxyError>((resolve) => {
            new UpstreamConnection({
                address: { host: '127.0.0.1', port: 1 },
                connectTimeoutMs: 30,
                readHighWaterBytes: 65536,
                writeMaxBytes: 65536,
                maxMessageBytes: PAYLOAD_MAX_BYTE_LENGTH,
                device,
                metrics,
                logger: silentLogger,
                onEnd: resolve,
                connect: () => socket,
            });
        });
        const error = await ended;
        expect(error).to.be.instanceOf(ChatServerProxyError);
        expect(error.failure).to.equal('connect-timeout');
        expect(error.closeCode).to.equal(4001);
        expect(socket.destroyed).to.equal(true);
        expect(metrics.connectFailures.get('connect-timeout')).to.equal(1);
        expect(metrics.closes.get('connect-timeout')).to.equal(1);
        expect(metrics.open.size).to.equal(0);
    });

    it('does not report an end after destroy()', async function () {
        let ended = false;
        const socket = new Socket();
        const connection = new UpstreamConnection({
            address: { host: '127.0.0.1', port: 1 },
            connectTimeoutMs: 20,
            readHighWaterBytes: 65536,
            writeMaxBytes: 65536,
            maxMessageBytes: PAYLOAD_MAX_BYTE_LENGTH,
            device,
            metrics: new CountingProxyMetrics(),
            logger: silentLogger,
            onEnd: () => (ended = true),
            connect: () => socket,
        });
        connection.destroy();
        connection.write(new Uint8Array(10));
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(ended).to.equal(false);
        expect(socket.destroyed).to.equal(true);
        expect(connection.bytesHeldForDevice).to.equal(0);
    });

    it('refuses a server group without an address with no-chat-server (4001)', function () {
        const metrics = new CountingProxyMetrics();
        const proxy = new ChatServerProxy({
            addresses: loadChatServerAddressMap('file:t.json', () => JSON.stringify({ '4f': 'a.example:1' })),
            connectTimeoutMs: 1000,
            readHighWaterBytes: 65536,
            writeMaxBytes: 65536,
            metrics,
        });
        let error: unknown;
        try {
            proxy.open({ serverGroup: '50', device, logger: silentLogger, onEnd: () => undefined });
        } catch (caught) {
            error = caught;
        }
        expect(error).to.be.instanceOf(ChatServerProxyError);
        expect((error as ChatServerProxyError).failure).to.equal('no-chat-server');
        expect((error as ChatServerProxyError).closeCode).to.equal(4001);
        expect(metrics.connectFailures.get('no-chat-server')).to.equal(1);
    });
});
