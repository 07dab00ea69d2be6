/**
 * The Redis command watchdog with a clock the test moves: a call unanswered
 * for the timeout fails as a retryable StorageError, younger calls and
 * answered ones are untouched, and a reply after the timeout is dropped.
 */
import { expect } from 'chai';
import { StorageError } from '../../../src/errors.js';
import { CommandWatchdog } from '../../../src/storage/redis/command-watchdog.js';
import type { RedisCommander } from '../../../src/storage/redis/redis-client.js';

interface Held {
    readonly args: readonly unknown[];
    readonly answer: (value: unknown) => void;
}

/** A commander whose replies the test hands out. */
function heldCommander(): { commander: RedisCommander; held: Held[] } {
    const held: Held[] = [];
    return {
        held,
        commander: {
            sendCommand: (args) => new Promise((resolve) => held.push({ args, answer: resolve })),
        },
    };
}

function outcome(promise: Promise<unknown>): { value?: unknown; error?: unknown; settled: boolean } {
    const state: { value?: unknown; error?: unknown; settled: boolean } = { settled: false };
    promise.then(
        (value) => Object.assign(state, { value, settled: true }),
        (error: unknown) => Object.assign(state, { error, settled: true }),
    );
    return state;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Redis command watchdog', function () {
    let clock: number;
    let watchdog: CommandWatchdog;

    beforeEach(function () {
        clock = 1_000;
        watchdog = new CommandWatchdog({ timeoutMs: 500, now: () => clock });
    });

    it('fails a command unanswered for the timeout with a retryable StorageError, and only that one', async function () {
        const { commander, held } = heldCommander();
        const watched = watchdog.commander(commander);
        const old = outcome(watched.sendCommand(['GET', 'a']));
        clock += 300;
        const young = outcome(watched.sendCommand(['GET', 'b']));
        clock += 199;
        watchdog.check();
        await tick();
        expect(old.settled).to.equal(false);
        clock += 1;
        watchdog.check();
        await tick();
        expect(old.error).to.be.instanceOf(StorageError);
        expect((old.error as StorageError).retryable).to.equal(true);
        expect((old.error as StorageError).message).to.include('GET');
        expect(young.settled).to.equal(false);
        expect(watchdog.pendingCount).to.equal(1);
        // The late reply of the first command is dropped; the second is answered normally.
        held[0]?.answer('late');
        held[1]?.answer('b');
        await tick();
        expect(young.value).to.equal('b');
        expect(watchdog.pendingCount).to.equal(0);
    });

    it('passes answers and errors through and forgets settled calls', async function () {
        const watched = watchdog.commander({
            sendCommand: (args) => (args[0] === 'BAD' ? Promise.reject(new Error('nope')) : Promise.resolve('ok')),
        });
        expect(await watched.sendCommand(['PING'])).to.equal('ok');
        const error = await watched.sendCommand(['BAD']).then(
            () => undefined,
            (reason: unknown) => reason,
        );
        expect((error as Error).message).to.equal('nope');
        expect(watchdog.pendingCount).to.equal(0);
        clock += 10_000;
        watchdog.check();
    });

    it('bounds any tracked call, such as a subscription, and a call that throws synchronously', async function () {
        const never = outcome(watchdog.track('SSUBSCRIBE', () => new Promise(() => undefined)));
        const thrown = outcome(
            watchdog.track('X', () => {
                throw new Error('sync');
            }),
        );
        await tick();
        expect((thrown.error as Error).message).to.equal('sync');
        clock += 500;
        watchdog.check();
        await tick();
        expect((never.error as StorageError).message).to.include('SSUBSCRIBE');
    });

    it('checks on its own timer once started', async function () {
        const real = new CommandWatchdog({ timeoutMs: 50 });
        real.start();
        try {
            const started = performance.now();
            const error = await real
                .track('GET', () => new Promise(() => undefined))
                .then(
                    () => undefined,
                    (reason: unknown) => reason,
                );
            expect(error).to.be.instanceOf(StorageError);
            expect(performance.now() - started).to.be.within(45, 2_000);
        } finally {
            real.stop();
        }
    });
});
