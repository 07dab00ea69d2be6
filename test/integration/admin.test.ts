/**
 * The admin API and the `mediator admin` commands against running mediator
 * nodes, on every storage backend. Two nodes share one storage, so that
 * what an operator does through one node reaches devices on the other.
 * The commands run in-process through a yargs instance with captured
 * output; the HTTP details (auth, request ids, errors) are checked on the
 * raw API.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import yargs from 'yargs';
import { CloseCode, DeviceSlotsExhaustedPolicy, DeviceSlotState } from '../../d2m/index.js';
import { TransactionScope } from '../../d2d/index.js';
import { adminCommand } from '../../src/admin/cli.js';
import { startAdminServer } from '../../src/admin/server.js';
import { createCapturingLogger, type LogRecord } from '../../src/log/logger.js';
import type { StorageBackend } from '../../src/storage/backend.js';
import { createMemoryBackend } from '../../src/storage/memory-backend.js';
import { groupIdFromBytes } from '../../src/storage/types.js';
import { startAdminNode, type AdminNode } from '../helpers/admin-node.js';
import { numberedEnvelope, TestGroup } from '../helpers/devices.js';
import { BACKEND_KINDS, type BackendKind } from '../helpers/mediator.js';

const TOKEN = `t-${randomBytes(16).toString('hex')}`;

interface Node extends AdminNode {
    readonly logs: LogRecord[];
}

async function startNode(backend: StorageBackend, nodeId: string, token: string | undefined = TOKEN): Promise<Node> {
    const logger = createCapturingLogger('debug');
    const node = await startAdminNode(backend, { config: { nodeId }, token, logger });
    return { ...node, logs: logger.records };
}

/** Two storage handles on the same data: the same object (embedded) or two connections (redis+postgres). */
async function sharedBackends(kind: BackendKind): Promise<[StorageBackend, StorageBackend]> {
    if (kind === 'embedded') {
        const backend = createMemoryBackend();
        return [backend, backend];
    }
    const { createTestRedisPostgresBackend, uniqueKeyPrefix } = await import('../helpers/services.js');
    const keyPrefix = uniqueKeyPrefix();
    return Promise.all([createTestRedisPostgresBackend({ keyPrefix }), createTestRedisPostgresBackend({ keyPrefix })]);
}

interface CliResult {
    readonly out: string;
    readonly err: string;
    readonly code: number;
}

/** Runs `mediator admin <args>` in-process against `adminUrl`, with the token from the environment. */
async function cli(
    adminUrl: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv = { MEDIATOR_ADMIN_TOKEN: TOKEN },
): Promise<CliResult> {
    let out = '';
    let err = '';
    let code = 0;
    const io = {
        out: (text: string) => void (out += text),
        err: (text: string) => void (err += text),
        setExitCode: (value: number) => void (code = value),
    };
    await yargs()
        .scriptName('mediator')
        .command(adminCommand({ MEDIATOR_ADMIN_URL: adminUrl, ...env }, io))
        .demandCommand(1)
        .strict()
        .exitProcess(false)
        .fail((message, error) => {
            throw error ?? new Error(message);
        })
        .parseAsync(['admin', ...args]);
    return { out, err, code };
}

async function cliJson(adminUrl: string, args: readonly string[]): Promise<Record<string, unknown>> {
    const result = await cli(adminUrl, [...args, '--json']);
    expect(result.err, result.err).to.equal('');
    expect(result.code).to.equal(0);
    return JSON.parse(result.out) as Record<string, unknown>;
}

interface SlotView {
    readonly deviceId: string;
    readonly deviceIdHex: string;
    readonly expirationPolicy: string;
    readonly lastDisconnectAt: string | null;
    readonly online: { readonly nodeId: string; readonly connectionId: string; readonly connectedSince: string } | null;
    readonly queue: { readonly length: number; readonly bytes: number; readonly oldestUnackedAgeMs: number | null };
    readonly leader: boolean;
    readonly lockHolder: boolean;
}

function groupIdOf(group: TestGroup): string {
    return groupIdFromBytes(group.keys.deviceGroupId);
}

for (const kind of BACKEND_KINDS) {
    describe(`admin commands (${kind})`, function () {
        this.timeout(20_000);
        let nodeA: Node;
        let nodeB: Node;
        let backends: [StorageBackend, StorageBackend];
        const groups: TestGroup[] = [];

        before(async function () {
            backends = await sharedBackends(kind);
            nodeA = await startNode(backends[0], 'node-a');
            nodeB = await startNode(backends[1], 'node-b');
        });

        after(async function () {
            await Promise.all([nodeA.stop(), nodeB.stop()]);
            await Promise.all([...new Set(backends)].map((backend) => backend.close()));
        });

        afterEach(async function () {
            await Promise.all(groups.splice(0).map((group) => group.closeAll()));
        });

        /** One device group (one key) as reached through node A and through node B. */
        function group(): [TestGroup, TestGroup] {
            const onA = new TestGroup(nodeA.url);
            const onB = new TestGroup(nodeB.url, onA.dgk);
            groups.push(onA, onB);
            return [onA, onB];
        }

        it('list and show: slots, presence per node, queues, leader and lock holder', async function () {
            const [onA, onB] = group();
            const groupId = groupIdOf(onA);
            const a = await onA.connect(1n);
            await a.client.waitForLeader();
            const b = await onB.connect(2n);
            const c = await onA.connect(3n);
            await c.client.close();
            for (let n = 1; n <= 3; n++) await a.client.reflect(numberedEnvelope(a.id, n));
            await b.waitForReflected(3);
            expect(await a.client.beginTransaction(TransactionScope.CONTACT_SYNC)).to.deep.equal({ status: 'acked' });

            const list = await cliJson(nodeB.adminUrl, ['list', '--limit', '1000']);
            const listed = (list.groups as { groupId: string; slots: number; online: number; leader: string }[]).find(
                (entry) => entry.groupId === groupId,
            );
            expect(listed).to.deep.equal({ groupId, slots: 3, online: 2, leader: '1' });
            const listText = await cli(nodeB.adminUrl, ['list', '--limit', '1000']);
            expect(listText.out).to.match(/^GROUP\s+SLOTS\s+ONLINE\s+LEADER/u);
            expect(listText.out).to.include(groupId);

            // Queue figures of b settle once its acks are processed.
            let shown: Record<string, unknown> = {};
            for (let attempt = 0; attempt < 100; attempt++) {
                shown = await cliJson(nodeB.adminUrl, ['show', groupId]);
                const slots = shown.slots as SlotView[];
                if (slots.find((slot) => slot.deviceId === '2')?.queue.length === 0) break;
                await new Promise((resolve) => setTimeout(resolve, 20));
            }
            const slots = shown.slots as SlotView[];
            expect(slots.map((slot) => slot.deviceId)).to.deep.equal(['1', '2', '3']);
            const [slotA, slotB, slotC] = slots;
            expect(slotA!.online?.nodeId).to.equal('node-a');
            expect(slotA!.leader).to.equal(true);
            expect(slotA!.lockHolder).to.equal(true);
            expect(slotA!.expirationPolicy).to.equal('persistent');
            expect(slotA!.deviceIdHex).to.equal('0000000000000001');
            expect(slotB!.online?.nodeId).to.equal('node-b');
            expect(Date.parse(slotB!.online!.connectedSince)).to.be.greaterThan(0);
            expect(slotB!.leader).to.equal(false);
            expect(slotB!.queue.length).to.equal(0);
            expect(slotC!.online).to.equal(null);
            expect(slotC!.lastDisconnectAt).to.be.a('string');
            expect(slotC!.queue.length).to.equal(3);
            expect(slotC!.queue.bytes).to.be.greaterThan(0);
            expect(slotC!.queue.oldestUnackedAgeMs).to.be.a('number').that.is.at.least(0);
            expect(shown.leader).to.include({ deviceId: '1', nodeId: 'node-a' });
            expect(shown.lock).to.include({ deviceId: '1', nodeId: 'node-a', expired: false });
            expect((shown.policy as { effective: { maxDeviceSlots: number } }).effective.maxDeviceSlots).to.equal(6);

            const showText = await cli(nodeA.adminUrl, ['show', groupId]);
            expect(showText.code).to.equal(0);
            expect(showText.out).to.include(`device group ${groupId}`);
            expect(showText.out).to.include('leader: device 1 on node node-a');
            expect(showText.out).to.include('transaction lock: held by device 1 on node node-a');
            expect(showText.out).to.match(/\n3\s+persistent\s+offline\s+disconnected \S+\s+3\s+\d+\s+\d+\.\ds\s+-/u);
            await a.client.commitTransaction();
        });

        it('policy get, set and reset: applies to the next login, and a lower slot limit drops nothing by itself', async function () {
            const [onA] = group();
            const groupId = groupIdOf(onA);
            const devices = [await onA.connect(1n), await onA.connect(2n), await onA.connect(3n)];

            const set = await cli(nodeA.adminUrl, [
                'policy',
                'set',
                groupId,
                '--max-device-slots',
                '2',
                '--queue-max-count',
                '500',
            ]);
            expect(set.code, set.err).to.equal(0);
            expect(set.out).to.match(/maxDeviceSlots\s+2\s+override \(default 6\)/u);
            expect(set.out).to.match(/queueMaxCount\s+500\s+override \(default 100000\)/u);
            expect(set.out).to.include('notice: the group has 3 slots, more than its limit of 2');
            const got = await cliJson(nodeB.adminUrl, ['policy', 'get', groupId]);
            expect(got.override).to.deep.equal({ maxDeviceSlots: 2, queueMaxCount: 500 });
            expect(got.effective).to.include({ maxDeviceSlots: 2, queueMaxCount: 500, volatileGraceMs: 600_000 });

            // Nobody was dropped; an existing slot still logs in, and sees the new limit.
            expect(devices.map((device) => device.client.closeError)).to.deep.equal([undefined, undefined, undefined]);
            await devices[2]!.client.close();
            const again = await onA.connect(3n, { expectedDeviceSlotState: DeviceSlotState.EXISTING });
            expect(again.client.serverInfo.maxDeviceSlots).to.equal(2);
            expect(again.client.serverInfo.deviceSlotState).to.equal(DeviceSlotState.EXISTING);
            let shown = await cliJson(nodeA.adminUrl, ['show', groupId]);
            expect((shown.slots as SlotView[]).map((slot) => slot.deviceId)).to.deep.equal(['1', '2', '3']);

            // Only a login that needs a new slot is refused, or evicts when it asks for that.
            expect((await onA.refused(4n)).code).to.equal(CloseCode.DEVICE_LIMIT_REACHED);
            const newcomer = await onA.connect(5n, {
                deviceSlotsExhaustedPolicy: DeviceSlotsExhaustedPolicy.DROP_LEAST_RECENT,
            });
            expect((await devices[0]!.waitForClose()).code).to.equal(CloseCode.DEVICE_DROPPED);
            expect((await devices[1]!.waitForClose()).code).to.equal(CloseCode.DEVICE_DROPPED);
            expect(newcomer.client.closeError).to.equal(undefined);
            shown = await cliJson(nodeA.adminUrl, ['show', groupId]);
            expect((shown.slots as SlotView[]).map((slot) => slot.deviceId)).to.deep.equal(['3', '5']);
            expect(nodeA.logs.some((record) => record.msg === 'slots evicted for a new device')).to.equal(true);

            const unset = await cliJson(nodeA.adminUrl, ['policy', 'set', groupId, '--unset', 'queue-max-count']);
            expect(unset.override).to.deep.equal({ maxDeviceSlots: 2 });
            const replaced = await cliJson(nodeA.adminUrl, [
                'policy',
                'set',
                groupId,
                '--replace',
                '--volatile-grace-ms',
                '1000',
                '--persistent-expiry-ms',
                '86400000',
                '--queue-max-bytes',
                '1048576',
            ]);
            expect(replaced.override).to.deep.equal({
                volatileGraceMs: 1000,
                persistentExpiryMs: 86_400_000,
                queueMaxBytes: 1_048_576,
            });
            const invalid = await cli(nodeA.adminUrl, ['policy', 'set', groupId, '--max-device-slots', '0']);
            expect(invalid.code).to.equal(1);
            expect(invalid.err).to.include('maxDeviceSlots: must be an integer, 1 to 1000');
            expect(invalid.err).to.include('HTTP 400, invalid-policy');
            const reset = await cliJson(nodeA.adminUrl, ['policy', 'reset', groupId]);
            expect(reset.override).to.deep.equal({});
            expect((reset.effective as { maxDeviceSlots: number }).maxDeviceSlots).to.equal(6);
        });

        it('drop closes the device with 4113 on whichever node holds it', async function () {
            const [onA, onB] = group();
            const groupId = groupIdOf(onA);
            const a = await onA.connect(1n);
            const b = await onB.connect(2n);
            const dropped = await cli(nodeA.adminUrl, ['drop', groupId, '2']);
            expect(dropped.code, dropped.err).to.equal(0);
            expect(dropped.out).to.include('dropped the slot of device 2 (0x0000000000000002)');
            expect(dropped.out).to.include('closed its connection on node node-b (4113)');
            expect((await b.waitForClose()).code).to.equal(CloseCode.DEVICE_DROPPED);
            const shown = await cliJson(nodeB.adminUrl, ['show', groupId]);
            expect((shown.slots as SlotView[]).map((slot) => slot.deviceId)).to.deep.equal(['1']);

            const again = await cli(nodeA.adminUrl, ['drop', groupId, '2']);
            expect(again.code).to.equal(1);
            expect(again.err).to.include('HTTP 404, slot-not-found');
            const byHex = await cliJson(nodeB.adminUrl, ['drop', groupId, '0x1']);
            expect(byHex).to.include({ deviceId: '1', dropped: true });
            expect((await a.waitForClose()).code).to.equal(CloseCode.DEVICE_DROPPED);
        });

        it('delete-group closes every device and deletes slots, queues and policy', async function () {
            const [onA, onB] = group();
            const groupId = groupIdOf(onA);
            const a = await onA.connect(1n);
            const b = await onB.connect(2n);
            const c = await onA.connect(3n);
            await c.client.close();
            await a.client.reflect(numberedEnvelope(a.id, 1));
            await b.waitForReflected(1);
            expect((await cli(nodeA.adminUrl, ['policy', 'set', groupId, '--max-device-slots', '3'])).code).to.equal(0);

            const unconfirmed = await cli(nodeA.adminUrl, ['delete-group', groupId]);
            expect(unconfirmed.code).to.equal(1);
            expect(unconfirmed.err).to.include('add --yes');
            expect(a.client.closeError).to.equal(undefined);

            const deleted = await cli(nodeA.adminUrl, ['delete-group', groupId, '--yes']);
            expect(deleted.code, deleted.err).to.equal(0);
            expect(deleted.out).to.equal(`deleted device group ${groupId}: 3 slots, 2 connections closed\n`);
            expect((await a.waitForClose()).code).to.equal(CloseCode.DEVICE_DROPPED);
            expect((await b.waitForClose()).code).to.equal(CloseCode.DEVICE_DROPPED);

            const shown = await cli(nodeB.adminUrl, ['show', groupId]);
            expect(shown.code).to.equal(1);
            expect(shown.err).to.include('HTTP 404, group-not-found');
            const list = await cliJson(nodeB.adminUrl, ['list', '--limit', '1000']);
            expect((list.groups as { groupId: string }[]).map((entry) => entry.groupId)).to.not.include(groupId);
            const gid = groupIdFromBytes(onA.keys.deviceGroupId);
            expect(await backends[0].queue.listSlots(gid)).to.deep.equal([]);
            expect(await backends[0].groups.getPolicyOverride(gid)).to.deep.equal({});
            // The group starts afresh.
            const fresh = await onB.connect(1n);
            expect(fresh.client.serverInfo.deviceSlotState).to.equal(DeviceSlotState.NEW);
            expect(fresh.client.serverInfo.reflectionQueueLength).to.equal(0);
        });

        it('reports bad ids, a wrong token and an unreachable API clearly', async function () {
            const badGroup = await cli(nodeA.adminUrl, ['show', 'xyz']);
            expect(badGroup.code).to.equal(1);
            expect(badGroup.err).to.include('HTTP 400, invalid-group-id');
            const badDevice = await cli(nodeA.adminUrl, ['drop', 'ab'.repeat(32), '-5']);
            expect(badDevice.code).to.equal(1);
            expect(badDevice.err).to.include('HTTP 400, invalid-device-id');
            const wrongToken = await cli(nodeA.adminUrl, ['list'], { MEDIATOR_ADMIN_TOKEN: 'not-the-token' });
            expect(wrongToken.code).to.equal(1);
            expect(wrongToken.err).to.include('HTTP 401, unauthorized');
            const flagToken = await cli(nodeA.adminUrl, ['list', '--token', TOKEN], {});
            expect(flagToken.code, flagToken.err).to.equal(0);
            const unreachable = await cli('http://127.0.0.1:1', ['list']);
            expect(unreachable.code).to.equal(1);
            expect(unreachable.err).to.include('cannot reach the admin API at http://127.0.0.1:1');
        });
    });
}

describe('admin API over HTTP', function () {
    this.timeout(20_000);
    let node: Node;
    let backend: StorageBackend;
    const groupId = 'cd'.repeat(32);

    before(async function () {
        backend = createMemoryBackend();
        node = await startNode(backend, 'http-node');
    });

    after(async function () {
        await node.stop();
        await backend.close();
    });

    function call(path: string, init: RequestInit & { readonly auth?: boolean } = {}): Promise<Response> {
        const headers = new Headers(init.headers);
        if (init.auth !== false) headers.set('authorization', `Bearer ${TOKEN}`);
        if (init.body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
        return fetch(`${node.adminUrl}${path}`, { ...init, headers });
    }

    async function errorOf(response: Response): Promise<{ code: string; message: string; problems?: string[] }> {
        const body = (await response.json()) as { error: { code: string; message: string; problems?: string[] } };
        return body.error;
    }

    it('needs the bearer token for /v1 and compares it exactly', async function () {
        const missing = await call('/v1/groups', { auth: false });
        expect(missing.status).to.equal(401);
        expect(missing.headers.get('www-authenticate')).to.match(/^Bearer /u);
        expect((await errorOf(missing)).code).to.equal('unauthorized');
        for (const wrong of [`${TOKEN}x`, TOKEN.slice(0, -1), 'x', '']) {
            const response = await call('/v1/groups', { auth: false, headers: { authorization: `Bearer ${wrong}` } });
            expect(response.status, wrong).to.equal(401);
        }
        const basic = await call('/v1/groups', { auth: false, headers: { authorization: `Basic ${TOKEN}` } });
        expect(basic.status).to.equal(401);
        expect((await call('/v1/groups')).status).to.equal(200);
    });

    it('echoes an acceptable x-request-id and generates one otherwise', async function () {
        const given = await call('/v1/groups', { headers: { 'x-request-id': 'ops-1234.abc' } });
        expect(given.headers.get('x-request-id')).to.equal('ops-1234.abc');
        const generated = await call('/livez');
        expect(generated.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/u);
        const unsafe = await call('/v1/groups/xyz', { headers: { 'x-request-id': 'has spaces and\ttabs' } });
        const id = unsafe.headers.get('x-request-id');
        expect(id).to.match(/^[0-9a-f-]{36}$/u);
        expect(await unsafe.json()).to.deep.include({ requestId: id });
    });

    it('answers unknown paths with 404 and wrong methods with 405 and Allow', async function () {
        const unknown = await call('/v2/things');
        expect(unknown.status).to.equal(404);
        expect((await errorOf(unknown)).code).to.equal('not-found');
        expect((await call(`/v1/groups/${groupId}/slots`)).status).to.equal(404);
        const post = await call(`/v1/groups/${groupId}`, { method: 'POST' });
        expect(post.status).to.equal(405);
        expect(post.headers.get('allow')).to.equal('GET, DELETE, HEAD');
        const putLivez = await call('/livez', { method: 'PUT' });
        expect(putLivez.status).to.equal(405);
        expect((await call(`/v1/groups/${groupId}`)).status).to.equal(404);
    });

    it('rejects bad ids, bad values and bad bodies with 4xx and a stable code', async function () {
        const cases: [string, RequestInit, number, string][] = [
            ['/v1/groups/ABC', {}, 400, 'invalid-group-id'],
            [`/v1/groups/${'g'.repeat(64)}`, {}, 400, 'invalid-group-id'],
            [`/v1/groups/${groupId}/slots/18446744073709551616`, { method: 'DELETE' }, 400, 'invalid-device-id'],
            [`/v1/groups/${groupId}/slots/0x12345678901234567`, { method: 'DELETE' }, 400, 'invalid-device-id'],
            ['/v1/groups?limit=0', {}, 400, 'invalid-limit'],
            ['/v1/groups?after=zz', {}, 400, 'invalid-group-id'],
            [`/v1/groups/${groupId}/policy`, { method: 'PUT', body: '{"maxDeviceSlots": 2' }, 400, 'invalid-json'],
            [`/v1/groups/${groupId}/policy`, { method: 'PUT', body: '[1]' }, 400, 'invalid-body'],
            [`/v1/groups/${groupId}/policy`, { method: 'PATCH' }, 400, 'invalid-body'],
            [
                `/v1/groups/${groupId}/policy`,
                { method: 'PUT', body: '{}', headers: { 'content-type': 'text/plain' } },
                415,
                'unsupported-media-type',
            ],
            [
                `/v1/groups/${groupId}/policy`,
                { method: 'PUT', body: JSON.stringify({ x: 'y'.repeat(70_000) }) },
                413,
                'body-too-large',
            ],
        ];
        for (const [path, init, status, code] of cases) {
            const response = await call(path, init);
            expect(response.status, path).to.equal(status);
            expect((await errorOf(response)).code, path).to.equal(code);
        }
        const invalid = await call(`/v1/groups/${groupId}/policy`, {
            method: 'PUT',
            body: JSON.stringify({ maxDeviceSlots: 1.5, queueMaxBytes: 10, volatileGraceMs: '5', colour: 'blue' }),
        });
        expect(invalid.status).to.equal(400);
        const error = await errorOf(invalid);
        expect(error.code).to.equal('invalid-policy');
        expect(error.problems).to.have.length(4);
        expect(error.problems!.join('\n')).to.match(
            /maxDeviceSlots.*\n.*queueMaxBytes: must be an integer, at least 65536/u,
        );
        expect(await backend.groups.getPolicyOverride(groupIdFromBytes(Buffer.from(groupId, 'hex')))).to.deep.equal({});
    });

    it('PUT replaces the override, PATCH merges it (null returns a field to the default), DELETE removes it', async function () {
        const path = `/v1/groups/${groupId}/policy`;
        let response = await call(path, {
            method: 'PUT',
            body: JSON.stringify({ maxDeviceSlots: 3, queueMaxCount: 10 }),
        });
        expect(response.status).to.equal(200);
        expect(((await response.json()) as { override: unknown }).override).to.deep.equal({
            maxDeviceSlots: 3,
            queueMaxCount: 10,
        });
        response = await call(path, {
            method: 'PATCH',
            body: JSON.stringify({ queueMaxCount: null, tombstoneTtlMs: 0 }),
        });
        expect(((await response.json()) as { override: unknown }).override).to.deep.equal({
            maxDeviceSlots: 3,
            tombstoneTtlMs: 0,
        });
        // A group with only a policy is shown, with no slots.
        const shown = (await (await call(`/v1/groups/${groupId.toUpperCase()}`)).json()) as { slots: unknown[] };
        expect(shown.slots).to.deep.equal([]);
        response = await call(path, { method: 'DELETE' });
        expect(((await response.json()) as { override: unknown }).override).to.deep.equal({});
        expect((await call(`/v1/groups/${groupId}`)).status).to.equal(404);
    });

    it('serves health and metrics without a token, and keeps the admin API off without one', async function () {
        const open = await startAdminServer({
            host: '127.0.0.1',
            port: 0,
            token: undefined,
            ctx: node.server.context,
            readiness: { isDraining: () => false },
        });
        try {
            const base = `http://127.0.0.1:${open.port}`;
            const off = await fetch(`${base}/v1/groups`, { headers: { authorization: `Bearer ${TOKEN}` } });
            expect(off.status).to.equal(403);
            expect((await errorOf(off)).code).to.equal('admin-api-disabled');
            expect((await fetch(`${base}/livez`)).status).to.equal(200);
            expect((await fetch(`${base}/readyz`)).status).to.equal(200);
            expect((await fetch(`${base}/metrics`)).status).to.equal(404);
        } finally {
            await open.close();
        }
        const metrics = await call('/metrics', { auth: false });
        expect(metrics.status).to.equal(200);
        expect(metrics.headers.get('content-type')).to.match(/^text\/plain/u);
        expect(await metrics.text()).to.include('# TYPE d2m_handshakes_total counter');
        const head = await call('/livez', { method: 'HEAD', auth: false });
        expect(head.status).to.equal(200);
    });
});
