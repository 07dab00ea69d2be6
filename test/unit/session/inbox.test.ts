/**
 * The inbox: one frame at a time in arrival order, also while a handler
 * waits; a bound on the bytes waiting; the first error stops it; close drops
 * what waits and `idle` waits for the frame being handled.
 */
import { expect } from 'chai';
import { Inbox } from '../../../src/session/inbox.js';
import { Gate, settle } from '../support/session-fakes.js';

describe('Inbox', function () {
    it('handles frames one at a time, in arrival order, while a handler waits for storage', async function () {
        const gate = new Gate();
        const log: string[] = [];
        const inbox = new Inbox(
            100,
            async (frame) => {
                log.push(`start ${frame[0]}`);
                if (frame[0] === 1) await gate.pass();
                log.push(`end ${frame[0]}`);
            },
            () => undefined,
        );
        inbox.push(Uint8Array.of(1));
        inbox.push(Uint8Array.of(2));
        inbox.push(Uint8Array.of(3));
        await settle();
        expect(log).to.deep.equal(['start 1']);
        expect(inbox.bytes).to.equal(2);
        gate.open();
        await settle();
        expect(log).to.deep.equal(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
        expect(inbox.bytes).to.equal(0);
    });

    it('refuses a frame beyond its bound without queueing it', async function () {
        const gate = new Gate();
        const handled: number[] = [];
        const inbox = new Inbox(
            4,
            async (frame) => {
                await gate.pass();
                handled.push(frame.byteLength);
            },
            () => undefined,
        );
        // The first frame is taken at once; the bound counts the frames that wait behind it.
        expect(inbox.push(new Uint8Array(1))).to.equal(true);
        expect(inbox.push(new Uint8Array(3))).to.equal(true);
        expect(inbox.push(new Uint8Array(1))).to.equal(true);
        expect(inbox.bytes).to.equal(4);
        expect(inbox.push(new Uint8Array(1))).to.equal(false);
        gate.open();
        await settle();
        expect(handled).to.deep.equal([1, 3, 1]);
    });

    it('reports the first error once and handles nothing after it', async function () {
        const errors: unknown[] = [];
        const handled: number[] = [];
        const inbox = new Inbox(
            100,
            (frame) => {
                handled.push(frame[0] ?? -1);
                return frame[0] === 1 ? Promise.reject(new Error('bad frame')) : Promise.resolve();
            },
            (error) => errors.push(error),
        );
        inbox.push(Uint8Array.of(1));
        inbox.push(Uint8Array.of(2));
        await settle();
        expect(errors).to.have.length(1);
        expect(handled).to.deep.equal([1]);
    });

    it('drops the waiting frames on close; idle waits for the frame being handled', async function () {
        const gate = new Gate();
        const handled: number[] = [];
        const inbox = new Inbox(
            100,
            async (frame) => {
                await gate.pass();
                handled.push(frame[0] ?? -1);
            },
            () => undefined,
        );
        inbox.push(Uint8Array.of(1));
        inbox.push(Uint8Array.of(2));
        await settle();
        inbox.close();
        let idle = false;
        const done = inbox.idle().then(() => (idle = true));
        await settle();
        expect(idle).to.equal(false);
        gate.open();
        await done;
        expect(handled).to.deep.equal([1]);
        expect(inbox.push(Uint8Array.of(3))).to.equal(true);
        await settle();
        expect(handled).to.deep.equal([1]);
    });

    it('handles a frame at once when nothing waits, and queues frames only behind one that waits', async function () {
        const gate = new Gate();
        const log: string[] = [];
        const inbox = new Inbox(
            100,
            (frame) => {
                log.push(`handle ${frame[0]}`);
                return frame[0] === 2 ? gate.pass() : undefined;
            },
            () => undefined,
        );
        inbox.push(Uint8Array.of(1));
        expect(log).to.deep.equal(['handle 1']);
        inbox.push(Uint8Array.of(2));
        inbox.push(Uint8Array.of(3));
        inbox.push(Uint8Array.of(4));
        expect(log).to.deep.equal(['handle 1', 'handle 2']);
        expect(inbox.bytes).to.equal(2);
        gate.open();
        await settle();
        expect(log).to.deep.equal(['handle 1', 'handle 2', 'handle 3', 'handle 4']);
        inbox.push(Uint8Array.of(5));
        expect(log).to.have.length(5);
    });

    it('reports a handler that throws synchronously once and handles nothing after it', function () {
        const errors: unknown[] = [];
        const handled: number[] = [];
        const inbox = new Inbox(
            100,
            (frame) => {
                handled.push(frame[0] ?? -1);
                throw new Error('bad frame');
            },
            (error) => errors.push(error),
        );
        inbox.push(Uint8Array.of(1));
        inbox.push(Uint8Array.of(2));
        expect(errors).to.have.length(1);
        expect(handled).to.deep.equal([1]);
    });
});
