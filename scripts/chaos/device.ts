/**
 * One chaos device: a {@link DeviceClient} that reconnects the way real
 * clients do, reflects numbered envelopes, now and then takes the
 * transaction lock, and writes everything it observes to its event log
 * (see events.ts).
 *
 * Reconnect policy (reference §6): after a failed attempt wait the back-off
 * (5 s by default); after a connection that worked wait
 * max(0, back-off - time connected). Each attempt goes to a node picked at
 * random. Close codes 1xxx/40xx: reconnect. 41xx: stop for good, except
 * 4112 (the mediator saw a newer login of this device, which happens when
 * a device reconnects before the mediator noticed its old connection ended)
 * and a 4115 on the very first login of a slot whose ServerInfo a crash
 * swallowed (the slot was made, the device never heard of it); both are
 * caused by the run itself, so the device reconnects and the run counts them.
 *
 * The first login of a device expects a NEW slot, every later one EXISTING
 * (as the desktop does), so a slot lost by the mediator shows up as 4115.
 */
import { DeviceSlotState, ensureDeviceId, type DeviceId } from '../../d2m/index.js';
import { TransactionScope, type DeviceGroupKeys, type Envelope } from '../../d2d/index.js';
import { sodiumCryptoBackend } from '../../src/crypto/index.js';
import { DeviceClient, MediatorCloseError, type ReflectedEvent } from '../../src/device/index.js';
import type { DeviceEvent, ReflectEvent, ReflectedRecord } from './events.js';
import type { Random } from './random.js';

export const SERVER_GROUP = '4f';

/** What every device shares: the clock, the nodes, the phase of the run and the pacing settings. */
export interface DeviceEnvironment {
    readonly now: () => number;
    /** A node to try next (picked at random by the caller). */
    readonly pickNode: () => { readonly name: string; readonly url: string };
    /** `setup`: connect only; `chaos`: reflect and transact; `drain`: only stay connected; `done`: close and stop. */
    readonly phase: () => 'setup' | 'chaos' | 'drain' | 'done';
    readonly backoffMs: number;
    readonly handshakeTimeoutMs: number;
    /** Mean pause between two batches of reflections of one device. */
    readonly batchIntervalMs: number;
    readonly batchMax: number;
    /** Chance that a batch is a transaction (begin, reflect, hold, commit) instead. */
    readonly transactionProbability: number;
    readonly transactionHoldMs: number;
    /** Chance that a ReflectedAck is sent a little later instead of at once. */
    readonly delayedAckProbability: number;
    readonly random: Random;
    /** Called at once when a Reflect sent inside a transaction is acknowledged (the run may kill the node then). */
    readonly onTransactionReflectAck?: (device: ChaosDevice) => void;
}

function numbered(sender: DeviceId, seq: number): Envelope {
    const data = new Uint8Array(4);
    new DataView(data.buffer).setUint32(0, seq, true);
    return { deviceId: sender, content: { kind: 'outgoingMessage', data } };
}

function numberOf(event: ReflectedEvent): number | undefined {
    const data = event.envelope?.content?.data;
    if (data === undefined || data.byteLength !== 4) return undefined;
    return new DataView(data.buffer, data.byteOffset, 4).getUint32(0, true);
}

/** 41xx closes after which the device does not reconnect by itself. */
function stopsDevice(code: number): boolean {
    return code >= 4100 && code <= 4199;
}

export class ChaosDevice {
    public readonly events: DeviceEvent[] = [];
    public readonly deviceId: DeviceId;
    /** Own sequence numbers whose ReflectAck arrived. */
    public readonly acked: number[] = [];
    /** Per sender: sequence numbers received at least once. */
    public readonly received = new Map<string, Set<number>>();
    public stoppedBy: number | undefined;
    /** Closes the run caused and tolerated (4112, the 4115 described above). */
    public readonly toleratedCloses: number[] = [];
    #client: DeviceClient | undefined;
    #conn = 0;
    #send = 0;
    #nextSeq = 1;
    #everOpened = false;
    #dry = false;
    #leader = false;
    #holdsLock = false;
    #wake: (() => void) | undefined;

    readonly #keys: DeviceGroupKeys;
    readonly #env: DeviceEnvironment;

    public constructor(
        public readonly group: number,
        id: bigint,
        keys: DeviceGroupKeys,
        env: DeviceEnvironment,
    ) {
        this.deviceId = ensureDeviceId(id);
        this.#keys = keys;
        this.#env = env;
    }

    public get idText(): string {
        return this.deviceId.toString();
    }

    /** Connected, and the queue backlog of this connection has been delivered. */
    public get ready(): boolean {
        return this.#client !== undefined && this.#dry;
    }

    public get isLeader(): boolean {
        return this.#client !== undefined && this.#leader;
    }

    public get holdsLock(): boolean {
        return this.#client !== undefined && this.#holdsLock;
    }

    /** The node name of the current connection, if connected. */
    public node: string | undefined;

    /** Interrupts a back-off wait (used when the run moves to its next phase). */
    public wake(): void {
        this.#wake?.();
    }

    /** Connects, reconnecting as described above, until the phase is `done` or a 41xx close stops it. */
    public async run(): Promise<void> {
        while (this.#env.phase() !== 'done' && this.stoppedBy === undefined) {
            const wait = await this.#connectOnce();
            if (this.#env.phase() === 'done' || this.stoppedBy !== undefined) break;
            await this.#sleepInterruptibly(wait);
        }
    }

    /** Ends the current connection (end of the run). */
    public async close(): Promise<void> {
        const client = this.#client;
        if (client === undefined) return;
        this.events.push({ k: 'local-close', t: this.#env.now(), conn: this.#conn });
        await client.close(1000, 'chaos run over').catch(() => undefined);
    }

    /** One attempt; resolves with how long to wait before the next one. */
    async #connectOnce(): Promise<number> {
        const env = this.#env;
        const conn = ++this.#conn;
        const node = env.pickNode();
        const started = env.now();
        this.events.push({ k: 'attempt', t: started, conn, node: node.name });
        let client: DeviceClient;
        try {
            client = await DeviceClient.connect({
                url: node.url,
                keys: this.#keys,
                serverGroup: SERVER_GROUP,
                deviceId: this.deviceId,
                crypto: sodiumCryptoBackend,
                expectedDeviceSlotState: this.#everOpened ? DeviceSlotState.EXISTING : DeviceSlotState.NEW,
                autoAckReflected: false,
                handshakeTimeoutMs: env.handshakeTimeoutMs,
            });
        } catch (error) {
            const code = error instanceof MediatorCloseError ? error.code : 0;
            const reason = error instanceof MediatorCloseError ? error.reason : String(error);
            this.events.push({ k: 'fail', t: env.now(), conn, code, reason: reason.slice(0, 120) });
            this.#judgeClose(code);
            return env.backoffMs;
        }
        const opened = env.now();
        this.#everOpened = true;
        this.#client = client;
        this.node = node.name;
        this.#dry = false;
        this.#leader = false;
        this.#holdsLock = false;
        this.events.push({
            k: 'open',
            t: opened,
            conn,
            newSlot: client.serverInfo.deviceSlotState === DeviceSlotState.NEW,
        });
        const closed = new Promise<MediatorCloseError>((resolve) => {
            client.on('closed', (error) => {
                this.events.push({
                    k: 'close',
                    t: env.now(),
                    conn,
                    code: error.code,
                    initiator: error.initiator,
                    reason: error.reason.slice(0, 120),
                });
                this.#client = undefined;
                this.node = undefined;
                resolve(error);
            });
        });
        client.on('reflected', (event) => this.#onReflected(conn, client, event));
        client.on('queueDry', () => {
            this.#dry = true;
            this.events.push({ k: 'dry', t: env.now(), conn });
        });
        client.on('promotedToLeader', () => {
            this.#leader = true;
            this.events.push({ k: 'leader', t: env.now(), conn });
        });
        client.on('transactionEnded', (event) => {
            this.events.push({ k: 'tx-ended', t: env.now(), conn, holder: event.holder.toString() });
        });
        void this.#reflectLoop(conn, client);
        // The run ended while this attempt was under way.
        if (env.phase() === 'done') void this.close();
        const error = await closed;
        this.#judgeClose(error.code);
        return Math.max(0, env.backoffMs - (env.now() - opened));
    }

    #judgeClose(code: number): void {
        if (!stopsDevice(code)) return;
        if (code === 4112 || (code === 4115 && !this.#everOpened)) {
            this.toleratedCloses.push(code);
            if (code === 4115) this.#everOpened = true;
            return;
        }
        this.stoppedBy = code;
    }

    #onReflected(conn: number, client: DeviceClient, event: ReflectedEvent): void {
        if (event.ephemeral) return;
        const env = this.#env;
        const seq = numberOf(event);
        const sender = event.envelope?.deviceId.toString() ?? 'undecryptable';
        const record: ReflectedRecord = {
            k: 'reflected',
            t: env.now(),
            conn,
            sender,
            seq: seq ?? -1,
            id: event.id,
            ackSend: undefined,
            ackT: undefined,
        };
        this.events.push(record);
        if (seq !== undefined) {
            let set = this.received.get(sender);
            if (set === undefined) this.received.set(sender, (set = new Set()));
            set.add(seq);
        }
        const ack = (): void => {
            if (client.closeError !== undefined || event.acked) return;
            const send = ++this.#send;
            event.ack();
            if (event.acked) {
                record.ackSend = send;
                record.ackT = env.now();
            }
        };
        if (env.random.next() < env.delayedAckProbability) setTimeout(ack, env.random.int(1, 200));
        else ack();
    }

    async #reflectLoop(conn: number, client: DeviceClient): Promise<void> {
        const env = this.#env;
        // Nobody reflects before every device has its slot (set-up), so every reflection has all receivers.
        while ((env.phase() === 'setup' || env.phase() === 'chaos') && client.closeError === undefined) {
            await new Promise((resolve) => setTimeout(resolve, env.batchIntervalMs * (0.5 + env.random.next())));
            if (env.phase() === 'setup') continue;
            if (env.phase() !== 'chaos' || client.closeError !== undefined) return;
            if (env.random.next() < env.transactionProbability) {
                await this.#transaction(conn, client);
            } else {
                const count = env.random.int(1, env.batchMax);
                const pending: Promise<void>[] = [];
                for (let i = 0; i < count; i++) pending.push(this.#reflect(conn, client, false));
                await Promise.all(pending);
            }
        }
    }

    /** Sends one Reflect; never rejects (an unanswered Reflect stays in doubt). */
    #reflect(conn: number, client: DeviceClient, inTransaction: boolean): Promise<void> {
        const env = this.#env;
        const seq = this.#nextSeq++;
        const event: ReflectEvent = {
            k: 'reflect',
            t: env.now(),
            conn,
            send: ++this.#send,
            seq,
            inTransaction,
            ackT: undefined,
        };
        this.events.push(event);
        return client.reflect(numbered(this.deviceId, seq)).then(
            () => {
                event.ackT = env.now();
                this.acked.push(seq);
                if (inTransaction) env.onTransactionReflectAck?.(this);
            },
            () => undefined,
        );
    }

    async #transaction(conn: number, client: DeviceClient): Promise<void> {
        const env = this.#env;
        const send = ++this.#send;
        this.events.push({ k: 'begin', t: env.now(), conn, send });
        let result;
        try {
            result = await client.beginTransaction(TransactionScope.CONTACT_SYNC, { ttl: 30 });
        } catch {
            return;
        }
        if (result.status === 'rejected') {
            this.events.push({ k: 'begin-rejected', t: env.now(), conn, send, holder: result.holder.toString() });
            return;
        }
        this.#holdsLock = true;
        this.events.push({ k: 'begin-ack', t: env.now(), conn, send });
        const count = env.random.int(1, 2);
        const pending: Promise<void>[] = [];
        for (let i = 0; i < count; i++) pending.push(this.#reflect(conn, client, true));
        await Promise.all(pending);
        await new Promise((resolve) => setTimeout(resolve, env.random.int(1, env.transactionHoldMs)));
        if (client.closeError !== undefined) return;
        const commitSend = ++this.#send;
        this.events.push({ k: 'commit', t: env.now(), conn, send: commitSend });
        try {
            await client.commitTransaction();
            this.events.push({ k: 'commit-ack', t: env.now(), conn, send: commitSend });
        } catch {
            // The connection ended: the lock went with it.
        } finally {
            this.#holdsLock = false;
        }
    }

    async #sleepInterruptibly(ms: number): Promise<void> {
        if (ms <= 0) return;
        await new Promise<void>((resolve) => {
            const timer = setTimeout(done, ms);
            function done(): void {
                clearTimeout(timer);
                resolve();
            }
            this.#wake = done;
        });
        this.#wake = undefined;
    }
}
