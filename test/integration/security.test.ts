/**
 * Security properties that tests can check directly: a fresh ephemeral key
 * and challenge for every connection, constant-time comparison of the
 * challenge and of the admin token, and device groups that cannot touch
 * each other.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import {
    buildClientUrl,
    bytesToHex,
    CloseCode,
    constantTimeEqual,
    D2mPayloadType,
    ensureServerGroup,
} from '../../d2m/index.js';
import type { IncomingMessage } from 'node:http';
import { hasBearerToken } from '../../src/admin/http.js';
import { TestGroup, waitUntil, numberedEnvelope } from '../helpers/devices.js';
import { startTestMediator, type TestMediator } from '../helpers/mediator.js';
import { RawClient } from '../helpers/raw-client.js';

describe('security properties', function () {
    this.timeout(30_000);
    let mediator: TestMediator;

    before(async function () {
        mediator = await startTestMediator();
    });

    after(async function () {
        await mediator.stop();
    });

    it('sends a fresh ephemeral key and challenge on every connection', async function () {
        const group = new TestGroup(mediator.url);
        const url = buildClientUrl(mediator.url, {
            deviceGroupId: group.keys.deviceGroupId,
            serverGroup: ensureServerGroup('4f'),
        });
        const keys = new Set<string>();
        const challenges = new Set<string>();
        for (let i = 0; i < 20; i++) {
            const raw = await RawClient.open(url);
            const hello = await raw.nextOf(D2mPayloadType.SERVER_HELLO);
            keys.add(bytesToHex(hello.body.esk));
            challenges.add(bytesToHex(hello.body.challenge));
            raw.close();
        }
        expect(keys.size).to.equal(20);
        expect(challenges.size).to.equal(20);
    });

    it('compares the challenge with a constant-time comparison', function () {
        // The handshake compares the decrypted challenge only through constantTimeEqual.
        const source = readFileSync(new URL('../../../d2m/handshake.ts', import.meta.url), 'utf8');
        expect(source).to.match(/constantTimeEqual\(plaintext, challenge\.challenge\)/u);
        expect(source).not.to.match(/plaintext\s*===|===\s*plaintext/u);
        // And constantTimeEqual looks at every byte: equal only when every byte is.
        const a = new Uint8Array(32).fill(7);
        for (let i = 0; i < 32; i++) {
            const b = a.slice();
            b[i] = 8;
            expect(constantTimeEqual(a, b)).to.equal(false);
        }
        expect(constantTimeEqual(a, a.slice())).to.equal(true);
        expect(constantTimeEqual(a, a.subarray(1))).to.equal(false);
    });

    it('checks the admin token in constant time: digests compared with timingSafeEqual, every difference refused', function () {
        const source = readFileSync(new URL('../../../src/admin/http.ts', import.meta.url), 'utf8');
        expect(source).to.match(/timingSafeEqual\(digest\(presented\), digest\(token\)\)/u);
        expect(source).not.to.match(/presented\s*[!=]==|[!=]==\s*presented|token\s*[!=]==\s*\w/u);
        const token = 'a'.repeat(40);
        const asked = (authorization: string | undefined): boolean =>
            hasBearerToken({ headers: { authorization } } as IncomingMessage, token);
        expect(asked(`Bearer ${token}`)).to.equal(true);
        expect(asked(`bearer  ${token} `)).to.equal(true);
        for (let i = 0; i < token.length; i++) {
            expect(asked(`Bearer ${token.slice(0, i)}b${token.slice(i + 1)}`), `differs at ${i}`).to.equal(false);
        }
        expect(asked(`Bearer ${token.slice(1)}`)).to.equal(false);
        expect(asked(`Bearer ${token}a`)).to.equal(false);
        expect(asked(token)).to.equal(false);
        expect(asked(undefined)).to.equal(false);
        expect(asked('Bearer ')).to.equal(false);
    });

    it('keeps device groups apart: the same device ids in two groups never affect each other', async function () {
        const one = new TestGroup(mediator.url);
        const two = new TestGroup(mediator.url);
        const a1 = await one.connect(1n);
        const a2 = await one.connect(2n);
        const b1 = await two.connect(1n);
        const b2 = await two.connect(2n);
        // The same device id in another group is another slot: no 4112.
        expect(a1.client.closeError).to.equal(undefined);
        expect(b1.client.closeError).to.equal(undefined);
        await a1.client.reflect(numberedEnvelope(a1.id, 1));
        await a2.waitForReflected(1);
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(b1.reflected).to.have.length(0);
        expect(b2.reflected).to.have.length(0);
        // Dropping device 2 in group one leaves device 2 of group two alone.
        await a1.client.dropDevice(2n);
        expect((await a2.waitForClose()).code).to.equal(CloseCode.DEVICE_DROPPED);
        expect(b2.client.closeError).to.equal(undefined);
        expect([...(await b1.client.getDevicesInfo()).keys()].sort()).to.deep.equal([1n, 2n]);
        // A lock in one group does not block the other.
        expect(await a1.client.beginTransaction(0)).to.deep.equal({ status: 'acked' });
        expect(await b1.client.beginTransaction(0)).to.deep.equal({ status: 'acked' });
        await a1.client.commitTransaction();
        await b1.client.commitTransaction();
        await waitUntil(() => b2.transactionsEnded.length === 1);
        expect(b2.transactionsEnded[0]!.holder).to.equal(1n);
        await Promise.all([one.closeAll(), two.closeAll()]);
    });
});
