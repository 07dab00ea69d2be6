/**
 * Logs: the pino-backed JSON logger's rules (levels, child bindings,
 * serializers that shorten ids and never print bytes or secrets), and a scan
 * of everything a real mediator logs at debug level during real sessions
 * (handshakes, reflections, a transaction, a failed handshake, closes) for
 * the device group id, key material and envelope bytes: none may appear.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { buildClientUrl, ensureServerGroup } from '../../d2m/index.js';
import { TransactionScope } from '../../d2d/index.js';
import { buildConfig } from '../../src/config/config.js';
import { sodiumCryptoBackend } from '../../src/crypto/index.js';
import { createJsonLogger } from '../../src/log/logger.js';
import { startMediatorServer } from '../../src/mediator-server.js';
import { SERVER_GROUP, TestGroup, waitUntil } from '../helpers/devices.js';
import { BACKEND_KINDS, createTestBackend } from '../helpers/mediator.js';

function capture(level: Parameters<typeof createJsonLogger>[0]): {
    readonly lines: string[];
    readonly logger: ReturnType<typeof createJsonLogger>;
} {
    const lines: string[] = [];
    return { lines, logger: createJsonLogger(level, (line) => lines.push(line)) };
}

function parse(lines: readonly string[]): Record<string, unknown>[] {
    return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The ways a byte string could show up in a log line. */
function renderings(bytes: Uint8Array): string[] {
    const buffer = Buffer.from(bytes);
    return [
        buffer.toString('hex'),
        buffer.toString('hex').toUpperCase(),
        buffer.toString('base64'),
        buffer.toString('base64url'),
        // A byte array serialized as JSON numbers (first 12 bytes are plenty).
        [...bytes.subarray(0, 12)].join(','),
    ];
}

describe('logging', function () {
    describe('the pino-backed JSON logger', function () {
        it('writes one JSON object per line with level, time, message, bindings and fields', function () {
            const { lines, logger } = capture('debug');
            const child = logger.child({ node: 'n1', conn: 'n1/1' }).child({ device: 0x4d2n });
            child.info('device logged in', { queued: 3 });
            const [record] = parse(lines);
            expect(lines[0]!.endsWith('\n')).to.equal(true);
            expect(record).to.include({
                level: 'info',
                msg: 'device logged in',
                node: 'n1',
                conn: 'n1/1',
                device: '00000000000004d2',
                queued: 3,
            });
            expect(record!.time).to.be.a('number');
        });

        it('drops records below the configured level, and logs nothing when silent', function () {
            const warn = capture('warn');
            warn.logger.debug('d');
            warn.logger.info('i');
            warn.logger.warn('w');
            warn.logger.error('e');
            expect(parse(warn.lines).map((record) => record.level)).to.deep.equal(['warn', 'error']);
            const silent = capture('silent');
            silent.logger.error('e');
            expect(silent.lines).to.deep.equal([]);
        });

        it('never prints bytes, full group ids or secrets, in fields, bindings or nested values', function () {
            const { lines, logger } = capture('debug');
            const key = randomBytes(32);
            const groupId = randomBytes(32).toString('hex');
            logger.child({ group: groupId }).warn('x', {
                key,
                payload: 'aGVsbG8gd29ybGQ=',
                adminToken: 'very-secret-token-value',
                password: 'hunter2',
                nested: {
                    envelope: new Uint8Array(64),
                    list: [key, groupId],
                    deep: { deeper: { deepest: { bottom: { x: 1 } } } },
                },
                error: Object.assign(new Error(`bad ${groupId}`), { code: 'E_BAD', data: key }),
                long: 'y'.repeat(2000),
                payloadBytes: 77,
            });
            const text = lines.join('');
            for (const rendering of renderings(key)) expect(text).not.to.include(rendering);
            expect(text).not.to.include(groupId);
            expect(text).not.to.include('hunter2');
            expect(text).not.to.include('very-secret-token-value');
            expect(text).not.to.include('aGVsbG8gd29ybGQ=');
            const [record] = parse(lines);
            expect(record).to.deep.include({
                group: `${groupId.slice(0, 8)}…`,
                key: '[redacted]',
                payload: '[redacted]',
                adminToken: '[redacted]',
                password: '[redacted]',
                payloadBytes: 77,
                nested: {
                    envelope: '[redacted]',
                    list: ['<32 bytes>', `${groupId.slice(0, 8)}…`],
                    deep: { deeper: { deepest: { bottom: '[nested]' } } },
                },
                error: { name: 'Error', message: `bad ${groupId.slice(0, 8)}…`, code: 'E_BAD' },
            });
            expect((record!.long as string).length).to.be.below(600);
        });
    });

    for (const kind of BACKEND_KINDS) {
        describe(`a real mediator's debug log (${kind})`, function () {
            this.timeout(30_000);

            it('names connections, shortened groups and devices, and holds no group id, key or envelope bytes', async function () {
                const { lines, logger } = capture('debug');
                const backend = await createTestBackend(kind);
                const server = await startMediatorServer({
                    config: buildConfig({ host: '127.0.0.1', port: 0, logLevel: 'debug' }),
                    backend,
                    crypto: sodiumCryptoBackend,
                    logger,
                });
                const url = `ws://127.0.0.1:${server.port}/`;
                const group = new TestGroup(url);
                const secrets: Uint8Array[] = [
                    group.dgk,
                    group.keys.dgpk.secretKey,
                    group.keys.dgrk,
                    group.keys.dgdik,
                    group.keys.dgsddk,
                    group.keys.dgtsk,
                ];
                const groupId = group.keys.deviceGroupId;
                const payloads: Uint8Array[] = [];
                try {
                    const a = await group.connect(1n);
                    const b = await group.connect(0xfeedn);
                    // An envelope the SDK encrypts, and raw bytes reflected as they are.
                    const content = new Uint8Array(randomBytes(64));
                    payloads.push(content);
                    await a.client.reflect({ deviceId: a.id, content: { kind: 'outgoingMessage', data: content } });
                    const raw = new Uint8Array(randomBytes(200));
                    payloads.push(raw);
                    await a.client.reflect(raw);
                    await b.waitForReflected(2);
                    payloads.push(...b.reflected.map((event) => event.envelopeBytes));
                    // A transaction, an ephemeral reflection and device management.
                    await b.client.beginTransaction(TransactionScope.CONTACT_SYNC);
                    await b.client.reflect(new Uint8Array(randomBytes(48)), { ephemeral: true });
                    await b.client.commitTransaction();
                    await a.client.getDevicesInfo();
                    await a.client.dropDevice(0x77n);
                    // A device that fails the handshake (garbage instead of ClientHello).
                    const intruder = new WebSocket(
                        buildClientUrl(url, { deviceGroupId: groupId, serverGroup: ensureServerGroup(SERVER_GROUP) }),
                    );
                    await new Promise<void>((resolve) => intruder.once('message', () => resolve()));
                    const garbage = new Uint8Array(randomBytes(40));
                    payloads.push(garbage);
                    intruder.send(garbage);
                    await new Promise<void>((resolve) => intruder.once('close', () => resolve()));
                    await group.closeAll();
                    await waitUntil(() => server.sessionCount === 0, 5000, 'sessions to end');
                } finally {
                    await server.stop();
                    await backend.close();
                }

                const records = parse(lines);
                const text = lines.join('');
                expect(records.length).to.be.greaterThan(5);
                const prefix = Buffer.from(groupId).toString('hex').slice(0, 8);
                const login = records.filter((record) => record.msg === 'device logged in');
                expect(login.map((record) => record.device)).to.have.members(['0000000000000001', '000000000000feed']);
                for (const record of login) {
                    expect(record.group).to.equal(prefix);
                    expect(record.conn)
                        .to.be.a('string')
                        .and.match(new RegExp(`^${server.nodeId}/`, 'u'));
                    expect(record.node).to.equal(server.nodeId);
                }
                expect(records.some((record) => record.level === 'debug')).to.equal(true);
                for (const rendering of renderings(groupId)) expect(text, 'device group id').not.to.include(rendering);
                for (const secret of secrets) {
                    for (const rendering of renderings(secret)) expect(text, 'key material').not.to.include(rendering);
                }
                for (const payload of payloads) {
                    for (const rendering of renderings(payload))
                        expect(text, 'payload bytes').not.to.include(rendering);
                }
                // No byte array in any other shape either: a run of 8 or more small numbers.
                expect(text).not.to.match(/(\d{1,3},){7}\d{1,3}/u);
            });
        });
    }
});
