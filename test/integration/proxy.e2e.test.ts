/**
 * The chat-server proxy end to end: real mediators, the device SDK (or a raw
 * `ws` client where a device must stop reading), and the test chat server
 * (src/dev/test-chat-server.ts) as the upstream peer, on every storage
 * backend and both ClientUrlInfo revisions.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
    buildClientUrl,
    CloseCode,
    D2mPayloadType,
    ensureServerGroup,
    type ProtocolRevision,
} from '../../d2m/index.js';
import {
    cspFrame,
    TestChatServer,
    testLoginAck,
    testServerHello,
    type TestChatConnection,
    type TestChatServerOptions,
} from '../../src/dev/test-chat-server.js';
import type { StorageBackend } from '../../src/storage/backend.js';
import { CountingProxyMetrics } from '../../src/upstream/metrics.js';
import { SERVER_GROUP, TestGroup, waitUntil, withTimeout, type TestDevice } from '../helpers/devices.js';
import {
    BACKEND_KINDS,
    createTestBackend,
    startTestMediator,
    type ConfigOverrides,
    type TestMediator,
} from '../helpers/mediator.js';
import { spawnMediator } from '../helpers/mediator-process.js';
import { RawClient, rawHandshake } from '../helpers/raw-client.js';

const LOGIN_BYTE_LENGTH = 144 + 24;
const REVISIONS = ['current', 'seed'] as const;

function hex(bytes: Uint8Array): string {
    return Buffer.from(bytes).toString('hex');
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
    return new Uint8Array(Buffer.concat(parts));
}

/** CSP frames of assorted sizes (length prefix included), each distinct. */
function sampleFrames(seed: number): Uint8Array[] {
    return [0, 1, 17, 300, 8190, 1200].map((length, i) => {
        const payload = randomBytes(length);
        if (length > 0) payload[0] = (seed * 16 + i) & 0xff;
        return cspFrame(payload);
    });
}

/** A device group whose devices speak one revision of ClientUrlInfo. */
class RevisionGroup extends TestGroup {
    readonly #revision: ProtocolRevision;

    public constructor(url: string, revision: ProtocolRevision) {
        super(url);
        this.#revision = revision;
    }

    public override connect(deviceId: bigint, options: Parameters<TestGroup['connect']>[1] = {}): Promise<TestDevice> {
        return super.connect(deviceId, { protocolRevision: this.#revision, ...options });
    }
}

interface Setup {
    readonly mediator: TestMediator;
    readonly chat: TestChatServer;
    readonly metrics: CountingProxyMetrics;
    readonly group: () => TestGroup;
}

for (const [kind, revision] of BACKEND_KINDS.flatMap((k) => REVISIONS.map((r) => [k, r] as const))) {
    describe(`chat-server proxy end to end (${kind}, ${revision} revision)`, function () {
        this.timeout(20_000);
        let backend: StorageBackend;
        const cleanups: (() => Promise<void>)[] = [];

        before(async function () {
            backend = await createTestBackend(kind);
        });

        after(async function () {
            await backend.close();
        });

        afterEach(async function () {
            for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
        });

        /** A test chat server and a mediator whose chat-server address points at it. */
        async function setup(
            options: { readonly chat?: TestChatServerOptions; readonly config?: ConfigOverrides } = {},
        ): Promise<Setup> {
            const chat = await TestChatServer.start({ loginByteLength: LOGIN_BYTE_LENGTH, ...options.chat });
            cleanups.push(() => chat.close());
            const metrics = new CountingProxyMetrics();
            const mediator = await startTestMediator({
                backend,
                config: { chatServerAddress: chat.address, ...options.config },
                proxyMetrics: metrics,
            });
            cleanups.push(() => mediator.stop());
            const groups: TestGroup[] = [];
            cleanups.push(() => Promise.all(groups.map((g) => g.closeAll())).then(() => undefined));
            return {
                mediator,
                chat,
                metrics,
                group: () => {
                    const created = new RevisionGroup(mediator.url, revision);
                    groups.push(created);
                    return created;
                },
            };
        }

        /**
         * Plays the client side of the CSP handshake through `device` (its
         * client-hello was sent before the D2M handshake): server-hello, login,
         * login-ack. Resolves the chat server's view of the connection.
         */
        async function cspLogin(
            device: TestDevice,
            clientHello: Uint8Array,
            chat: TestChatServer,
        ): Promise<TestChatConnection> {
            await waitUntil(() => device.proxy.length >= 1, 5000, 'the server-hello');
            expect(hex(device.proxy[0]!)).to.equal(hex(testServerHello(clientHello)));
            const login = randomBytes(LOGIN_BYTE_LENGTH);
            await device.client.sendProxy(login);
            await waitUntil(() => device.proxy.length >= 2, 5000, 'the login-ack');
            expect(hex(device.proxy[1]!)).to.equal(hex(testLoginAck(login)));
            const connection = chat.connections.find((c) => c.clientHello && hex(c.clientHello) === hex(clientHello));
            expect(connection, 'the chat connection of this device').to.not.equal(undefined);
            expect(hex(connection!.login!)).to.equal(hex(login));
            return connection!;
        }

        describe('relaying', function () {
            it('relays the whole CSP sequence for several devices at once', async function () {
                const { chat, group, metrics } = await setup();
                const g1 = group();
                const g2 = group();
                const hellos = [randomBytes(48), randomBytes(48), randomBytes(48)];
                const devices = await Promise.all([
                    g1.connect(1n, { sendProxyBeforeHandshake: hellos[0] }),
                    g1.connect(2n, { sendProxyBeforeHandshake: hellos[1] }),
                    g2.connect(1n, { sendProxyBeforeHandshake: hellos[2] }),
                ]);
                await Promise.all(
                    devices.map(async (device, index) => {
                        const connection = await cspLogin(device, hellos[index]!, chat);
                        const frames = sampleFrames(index);
                        for (const frame of frames) void device.client.sendProxy(frame);
                        await waitUntil(() => device.proxy.length >= 2 + frames.length, 5000, 'the echoes');
                        expect(device.proxy.slice(2).map(hex)).to.deep.equal(frames.map(hex));
                        expect(connection.frames.map(hex)).to.deep.equal(frames.map(hex));
                    }),
                );
                expect(chat.connections).to.have.length(3);
                expect(metrics.connects).to.equal(3);
                // D2M keeps working beside the relay.
                const [first, second] = devices;
                await first.client.reflect(new Uint8Array([1, 2, 3]));
                await second.waitForReflected(1);
                await first.client.close();
                await chat.connections.find((c) => hex(c.clientHello!) === hex(hellos[0]!))!.closed;
                await waitUntil(() => metrics.closes.get('device-closed') === 1, 5000, 'the relay to close');
            });

            it('cuts upstream writes split into 1-byte pieces into whole Proxy frames', async function () {
                const { chat, group } = await setup({ chat: { writeChunkBytes: 1 } });
                const hello = randomBytes(48);
                const device = await group().connect(1n, { sendProxyBeforeHandshake: hello });
                await cspLogin(device, hello, chat);
                const frames = [0, 1, 2, 3, 700, 2500].map((n) => cspFrame(randomBytes(n)));
                for (const frame of frames) void device.client.sendProxy(frame);
                await waitUntil(() => device.proxy.length >= 2 + frames.length, 10_000, 'the echoes');
                expect(device.proxy.slice(2).map(hex)).to.deep.equal(frames.map(hex));
            });

            it('cuts upstream writes coalesced into one write into one Proxy frame per message', async function () {
                const { chat, group } = await setup({
                    // Every frame is answered with itself and two more, all in one write.
                    chat: {
                        coalesce: true,
                        script: (frame, connection) => {
                            void connection.write(frame);
                            void connection.sendFrame(new Uint8Array(0));
                            void connection.sendFrame(new Uint8Array([0xaa]));
                        },
                    },
                });
                const hello = randomBytes(48);
                const device = await group().connect(1n, { sendProxyBeforeHandshake: hello });
                const connection = await cspLogin(device, hello, chat);
                // Several messages in one write, straight from the chat server.
                const pushed = [cspFrame(randomBytes(10)), cspFrame(randomBytes(0)), cspFrame(randomBytes(4000))];
                await connection.write(concat(pushed));
                await waitUntil(() => device.proxy.length >= 5, 5000, 'the pushed frames');
                expect(device.proxy.slice(2, 5).map(hex)).to.deep.equal(pushed.map(hex));
                const frame = cspFrame(randomBytes(50));
                await device.client.sendProxy(frame);
                await waitUntil(() => device.proxy.length >= 8, 5000, 'the answers');
                expect(device.proxy.slice(5).map(hex)).to.deep.equal(
                    [frame, cspFrame(new Uint8Array(0)), cspFrame(new Uint8Array([0xaa]))].map(hex),
                );
            });

            it('sends Proxy bytes that came before the handshake to the chat server first, in order', async function () {
                const { chat, mediator } = await setup();
                const g = new TestGroup(mediator.url);
                const url = buildClientUrl(
                    mediator.url,
                    { deviceGroupId: g.keys.deviceGroupId, serverGroup: ensureServerGroup(SERVER_GROUP) },
                    revision,
                );
                const hello = randomBytes(48);
                const raw = await RawClient.open(url);
                // The client-hello in three Proxy frames before ClientHello, and the login straight after it.
                for (let i = 0; i < 3; i++) {
                    raw.send({ type: D2mPayloadType.PROXY, body: hello.subarray(i * 16, i * 16 + 16) });
                }
                await rawHandshake(raw, { dgpkSecretKey: g.keys.dgpk.secretKey, deviceId: 1n });
                const login = randomBytes(LOGIN_BYTE_LENGTH);
                raw.send({ type: D2mPayloadType.PROXY, body: login });
                expect((await raw.next()).type).to.equal(D2mPayloadType.SERVER_INFO);
                const connection = await chat.connection(0);
                await connection.waitFor(() => connection.login !== undefined, 5000, 'the login');
                expect(hex(connection.clientHello!)).to.equal(hex(hello));
                expect(hex(connection.login!)).to.equal(hex(login));
                const serverHello = await raw.nextOf(D2mPayloadType.PROXY);
                expect(hex(serverHello.body)).to.equal(hex(testServerHello(hello)));
                expect(hex((await raw.nextOf(D2mPayloadType.PROXY)).body)).to.equal(hex(testLoginAck(login)));
                raw.close();
            });

            it('opens no upstream for a device that never sends Proxy frames', async function () {
                const { chat, group, metrics } = await setup();
                const device = await group().connect(1n);
                await device.client.waitForQueueDry();
                await device.client.getDevicesInfo();
                expect(chat.connections).to.have.length(0);
                expect(metrics.open.size).to.equal(0);
            });
        });

        describe('close codes', function () {
            it('closes with 4000 when the chat server ends, after relaying every complete message', async function () {
                const { chat, group, metrics } = await setup();
                const hello = randomBytes(48);
                const device = await group().connect(1n, { sendProxyBeforeHandshake: hello });
                const connection = await cspLogin(device, hello, chat);
                const last = [cspFrame(randomBytes(20)), cspFrame(randomBytes(3000))];
                // Two whole frames and half of a third in one write, then the end of the stream.
                await connection.write(concat([...last, cspFrame(randomBytes(40)).subarray(0, 10)]));
                await connection.end();
                const closed = await device.waitForClose();
                expect(closed.code).to.equal(CloseCode.CHAT_SERVER_CONNECTION_CLOSED);
                expect(closed.reconnect).to.equal('auto');
                expect(device.proxy.slice(2).map(hex)).to.deep.equal(last.map(hex));
                expect(metrics.closes.get('chat-server-closed')).to.equal(1);
            });

            it('closes with 4001 when the mediator has no chat-server proxy; D2M-only devices are unaffected', async function () {
                const mediator = await startTestMediator({ backend });
                cleanups.push(() => mediator.stop());
                const g = new RevisionGroup(mediator.url, revision);
                cleanups.push(() => g.closeAll());
                const d2mOnly = await g.connect(2n);
                const device = await g.connect(1n, { sendProxyBeforeHandshake: randomBytes(48) });
                const closed = await device.waitForClose();
                expect(closed.code).to.equal(CloseCode.CHAT_SERVER_CONNECTION_FAILED);
                expect(closed.reason).to.equal('this mediator has no chat-server proxy');
                await d2mOnly.client.getDevicesInfo();
                expect(d2mOnly.client.closeError).to.equal(undefined);
            });

            it('closes with 4001 when the chat server refuses the connection', async function () {
                const refusing = await TestChatServer.start();
                const address = refusing.address;
                await refusing.close();
                const { group, metrics } = await setup({ config: { chatServerAddress: address } });
                const device = await group().connect(1n, { sendProxyBeforeHandshake: randomBytes(48) });
                expect((await device.waitForClose()).code).to.equal(CloseCode.CHAT_SERVER_CONNECTION_FAILED);
                expect(metrics.connectFailures.get('connect-failed')).to.equal(1);
                expect(metrics.closes.get('connect-failed')).to.equal(1);
            });

            it("closes with 4001 when the device's server group has no chat server (table)", async function () {
                const dir = mkdtempSync(join(tmpdir(), 'chat-table-'));
                cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
                const chat = await TestChatServer.start({ loginByteLength: LOGIN_BYTE_LENGTH });
                cleanups.push(() => chat.close());
                const path = join(dir, 'chat-servers.json');
                writeFileSync(path, JSON.stringify({ [SERVER_GROUP]: chat.address }));
                const { group, metrics } = await setup({ config: { chatServerAddress: `file:${path}` } });
                const hello = randomBytes(48);
                const mapped = await group().connect(1n, { sendProxyBeforeHandshake: hello });
                await cspLogin(mapped, hello, chat);
                const other = await group().connect(1n, { serverGroup: '50', sendProxyBeforeHandshake: hello });
                const closed = await other.waitForClose();
                expect(closed.code).to.equal(CloseCode.CHAT_SERVER_CONNECTION_FAILED);
                expect(closed.reason).to.equal('no chat server for server group 50');
                expect(metrics.connectFailures.get('no-chat-server')).to.equal(1);
            });

            it('closes with 4009 when the chat server sends a frame too long for a Proxy frame', async function () {
                const { chat, group, metrics } = await setup();
                const hello = randomBytes(48);
                const device = await group().connect(1n, { sendProxyBeforeHandshake: hello });
                const connection = await cspLogin(device, hello, chat);
                const good = cspFrame(randomBytes(30));
                await connection.write(concat([good, new Uint8Array([0xff, 0xff]), randomBytes(100)]));
                const closed = await device.waitForClose();
                expect(closed.code).to.equal(CloseCode.CHAT_SERVER_CONNECTION_ERROR);
                expect(device.proxy.slice(2).map(hex)).to.deep.equal([hex(good)]);
                expect(metrics.closes.get('message-too-long')).to.equal(1);
                await connection.closed;
            });

            it('closes with 4009 when the chat-server connection is reset', async function () {
                const { chat, group, metrics } = await setup();
                const hello = randomBytes(48);
                const device = await group().connect(1n, { sendProxyBeforeHandshake: hello });
                const connection = await cspLogin(device, hello, chat);
                connection.reset();
                expect((await device.waitForClose()).code).to.equal(CloseCode.CHAT_SERVER_CONNECTION_ERROR);
                expect(metrics.closes.get('upstream-error')).to.equal(1);
            });

            it('closes with 4009 when a device keeps sending while its chat server does not read', async function () {
                const writeMaxBytes = 256 * 1024;
                const { chat, group, metrics } = await setup({ config: { upstreamWriteMaxBytes: writeMaxBytes } });
                const hello = randomBytes(48);
                const device = await group().connect(1n, { sendProxyBeforeHandshake: hello });
                const connection = await cspLogin(device, hello, chat);
                connection.pauseReading();
                const frame = cspFrame(randomBytes(60_000));
                let sent = 0;
                // The kernel buffers of both ends take several MB first; then the bound applies.
                while (device.client.closeError === undefined && sent < 200 * 1024 * 1024) {
                    await device.client.sendProxy(frame).catch(() => undefined);
                    sent += frame.byteLength;
                }
                const closed = await device.waitForClose();
                expect(closed.code).to.equal(CloseCode.CHAT_SERVER_CONNECTION_ERROR);
                expect(metrics.closes.get('chat-server-not-reading')).to.equal(1);
                this.test!.title += ` [closed after ${(sent / 1024 / 1024).toFixed(1)} MiB sent]`;
            });

            it('drops the upstream connection when the device disconnects', async function () {
                const { chat, group, metrics } = await setup();
                const hello = randomBytes(48);
                const device = await group().connect(1n, { sendProxyBeforeHandshake: hello });
                const connection = await cspLogin(device, hello, chat);
                await device.client.close();
                await withTimeout(connection.closed, 5000, 'the upstream to close');
                await waitUntil(() => metrics.open.size === 0, 5000, 'the relay to close');
                expect(metrics.closes.get('device-closed')).to.equal(1);
            });
        });

        describe('backpressure', function () {
            it('stops reading from the chat server while the device does not read, with bounded memory', async function () {
                const readHighWaterBytes = 256 * 1024;
                const { chat, mediator, metrics } = await setup({
                    config: { upstreamReadHighWaterBytes: readHighWaterBytes },
                });
                const g = new TestGroup(mediator.url);
                const url = buildClientUrl(
                    mediator.url,
                    { deviceGroupId: g.keys.deviceGroupId, serverGroup: ensureServerGroup(SERVER_GROUP) },
                    revision,
                );
                const raw = await RawClient.open(url);
                cleanups.push(() => Promise.resolve(raw.socket.terminate()));
                raw.send({ type: D2mPayloadType.PROXY, body: randomBytes(48) });
                await rawHandshake(raw, { dgpkSecretKey: g.keys.dgpk.secretKey, deviceId: 1n });
                await raw.nextOf(D2mPayloadType.SERVER_INFO);
                await raw.nextOf(D2mPayloadType.PROXY); // server-hello
                raw.send({ type: D2mPayloadType.PROXY, body: randomBytes(LOGIN_BYTE_LENGTH) });
                await raw.nextOf(D2mPayloadType.PROXY); // login-ack
                const connection = await chat.connection(0);
                let received = 0;
                let nextSeq = 0;
                raw.socket.on('message', (data: Buffer) => {
                    if (data[0] !== D2mPayloadType.PROXY) return;
                    // Every flood frame arrives whole and in order.
                    expect(data.byteLength - 4).to.equal(8192);
                    expect(data.readUInt32LE(6)).to.equal(nextSeq++);
                    received += data.byteLength - 4;
                });

                // The device stops reading; the chat server pushes as fast as the mediator takes it.
                raw.socket.pause();
                const floodTotal = 256 * 1024 * 1024;
                const flood = connection.flood(floodTotal, 8192);
                let last = -1;
                let stableSince = Date.now();
                const deadline = Date.now() + 8000;
                while (Date.now() < deadline) {
                    await new Promise((resolve) => setTimeout(resolve, 100));
                    if (connection.bytesHandedToKernel !== last) {
                        last = connection.bytesHandedToKernel;
                        stableSince = Date.now();
                    } else if (Date.now() - stableSince >= 600) {
                        break;
                    }
                }
                const relay = [...metrics.open][0]!;
                const held = relay.bytesHeldForDevice;
                const pushed = connection.bytesHandedToKernel;
                // Without the pause, the mediator would take everything until uWS's own 64 MiB limit. What the
                // chat server got rid of sits in the kernel buffers of both TCP connections, and in the mediator.
                expect(pushed, 'bytes the chat server could push').to.be.below(32 * 1024 * 1024);
                expect(raw.socket.readyState).to.equal(raw.socket.OPEN);
                expect(relay.paused).to.equal(true);
                expect(metrics.pauses).to.be.at.least(1);
                // High-water mark + one socket read + one unfinished CSP message + the paused socket's buffer.
                expect(held, 'bytes the mediator holds for the device').to.be.below(readHighWaterBytes + 512 * 1024);
                this.test!.title +=
                    ` [of a ${floodTotal / 1048576} MiB flood the chat server pushed ${(pushed / 1048576).toFixed(1)}` +
                    ` MiB before it stalled; held by the mediator for the device: ${(held / 1024).toFixed(0)} KiB` +
                    ` (${(metrics.maxHeldBytesAtPause / 1024).toFixed(0)} KiB when reading paused)]`;

                // The device reads again: every frame arrives, whole and in order, and reading resumes.
                connection.stopFlood();
                const { bytes: written } = await flood;
                raw.socket.resume();
                await waitUntil(() => received >= written, 15_000, 'the device to catch up');
                expect(received).to.equal(written);
                expect(metrics.resumes).to.be.at.least(1);
                raw.close();
            });
        });
    });
}

describe('chat-server proxy from the command line', function () {
    this.timeout(20_000);

    it('relays through `mediator serve --chat-server-address` to `mediator test-chat-server`', async function () {
        const main = fileURLToPath(new URL('../../src/main.js', import.meta.url));
        const chat = spawn(process.execPath, [main, 'test-chat-server', '--port', '0', '--script', 'echo'], {
            stdio: ['ignore', 'pipe', 'pipe'],
        });
        try {
            const address = await new Promise<string>((resolve, reject) => {
                let out = '';
                chat.stdout.setEncoding('utf8').on('data', (chunk: string) => {
                    out += chunk;
                    const match = /test chat server listening on (\S+)/u.exec(out);
                    if (match !== null) resolve(match[1]!);
                });
                chat.once('exit', (code) => reject(new Error(`test-chat-server exited with ${code}`)));
            });
            const mediator = await spawnMediator({ args: ['--chat-server-address', address] });
            try {
                const hello = randomBytes(48);
                const device = await new TestGroup(mediator.url).connect(1n, { sendProxyBeforeHandshake: hello });
                await waitUntil(() => device.proxy.length >= 1, 5000, 'the server-hello');
                expect(hex(device.proxy[0]!)).to.equal(hex(testServerHello(hello)));
                const login = randomBytes(LOGIN_BYTE_LENGTH);
                await device.client.sendProxy(login);
                await waitUntil(() => device.proxy.length >= 2, 5000, 'the login-ack');
                expect(hex(device.proxy[1]!)).to.equal(hex(testLoginAck(login)));
                const frame = cspFrame(randomBytes(100));
                await device.client.sendProxy(frame);
                await waitUntil(() => device.proxy.length >= 3, 5000, 'the echo');
                expect(hex(device.proxy[2]!)).to.equal(hex(frame));
                await device.client.close();
            } finally {
                await mediator.stop();
            }
        } finally {
            chat.kill('SIGTERM');
        }
    });

    it('refuses to start with invalid proxy settings, listing every problem', async function () {
        let error: unknown;
        try {
            await spawnMediator({
                args: ['--chat-server-address', '{serverGroup}.chat.example.net:99999'],
                env: { MEDIATOR_UPSTREAM_WRITE_MAX_BYTES: '5' },
            });
        } catch (caught) {
            error = caught;
        }
        expect(String(error))
            .to.include('exited (2)')
            .and.include('chatServerAddress: template: port must be a number from 1 to 65535')
            .and.include('upstreamWriteMaxBytes must be an integer');
    });
});
