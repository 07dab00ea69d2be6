/**
 * The commands that connect as a device, do one thing and disconnect:
 * `reflect`, `devices`, `drop` and `transaction`. Results go to stdout,
 * waiting and warnings to stderr.
 */
import type { DeviceId } from '../../d2m/index.js';
import type { TransactionScope } from '../../d2d/index.js';
import type { DeviceClient } from '../device/index.js';
import { withDevice, type DeviceTarget } from './connect.js';
import { failure } from './errors.js';
import { deviceRows, devicesTable, quoted } from './format.js';
import { sleep, type CliIo } from './io.js';
import { textEnvelope } from './text-envelope.js';
import { formatDeviceId, formatTimestamp, scopeName } from './values.js';

function out(io: CliIo, line: string): void {
    io.stdout.write(`${line}\n`);
}

function who(target: DeviceTarget): string {
    return `${formatDeviceId(target.deviceId)} (${quoted(target.label)})`;
}

async function reflectText(client: DeviceClient, text: string, ephemeral: boolean): Promise<number | undefined> {
    const envelope = textEnvelope(client.deviceId, text);
    return ephemeral ? client.reflect(envelope, { ephemeral: true }) : client.reflect(envelope);
}

/** `reflect <text>`: reflects the text to the other devices and prints the ReflectAck timestamp. */
export async function reflect(io: CliIo, target: DeviceTarget, text: string, ephemeral: boolean): Promise<void> {
    await withDevice(target, async (client) => {
        const timestamp = await reflectText(client, text, ephemeral);
        if (timestamp === undefined) {
            out(io, `reflected ${quoted(text)} as ${who(target)}, ephemeral: sent, not acknowledged`);
        } else {
            out(io, `reflected ${quoted(text)} as ${who(target)}, acknowledged at ${formatTimestamp(timestamp)}`);
        }
    });
}

/** `devices`: every device slot of the group, as a table or JSON. */
export async function devices(io: CliIo, target: DeviceTarget, json: boolean): Promise<void> {
    const list = await withDevice(target, (client) => client.getDevicesInfo());
    const rows = deviceRows(list, target.deviceId);
    out(io, json ? JSON.stringify(rows, undefined, 2) : devicesTable(rows));
}

/** `drop <device-id>`: drops a device slot of the group; its live connection gets 4113. */
export async function drop(io: CliIo, target: DeviceTarget, deviceId: DeviceId): Promise<void> {
    const label = await withDevice(target, async (client) => {
        const slot = (await client.getDevicesInfo()).get(deviceId);
        if (slot === undefined) {
            throw failure(
                `${formatDeviceId(deviceId)} is not a device of this group (see \`mediator device devices\`)`,
            );
        }
        await client.dropDevice(deviceId);
        return slot.deviceInfo?.label;
    });
    const self = deviceId === target.deviceId ? ', the device this command connected as' : '';
    const name = label === undefined ? '' : ` (${quoted(label)})`;
    out(io, `dropped ${formatDeviceId(deviceId)}${name}${self}`);
}

export interface TransactionArguments {
    readonly scope: TransactionScope;
    /** Seconds; 0 = the mediator's default. */
    readonly ttlS: number;
    readonly holdMs: number;
    /** Texts reflected while the lock is held. */
    readonly texts: readonly string[];
    /** Wait for the lock when another device holds it (else fail). */
    readonly wait: boolean;
}

/** Takes the lock, waiting for each TransactionEnded while another device holds it. */
async function begin(io: CliIo, client: DeviceClient, args: TransactionArguments): Promise<void> {
    let ended = 0;
    client.on('transactionEnded', () => void (ended += 1));
    for (;;) {
        // Counting from before the request: an end that arrives right behind the rejection is not missed.
        const before = ended;
        const result = await client.beginTransaction(args.scope, { ttl: args.ttlS });
        if (result.status === 'acked') return;
        const holder = `${formatDeviceId(result.holder)} holds the lock (${scopeName(result.scope)})`;
        if (!args.wait) throw failure(`${holder}; try again later, or leave out --no-wait to wait for it`);
        io.stderr.write(`${holder}; waiting for it to end\n`);
        await new Promise<void>((resolve, reject) => {
            if (ended > before) return resolve();
            const off = client.on('transactionEnded', () => {
                off();
                resolve();
            });
            void client.closed.then((error) => {
                off();
                reject(error);
            });
        });
    }
}

/**
 * `transaction`: begins a transaction, reflects the given texts inside it,
 * holds the lock for the given time and commits, all on one connection (the
 * lock ends with the connection that took it).
 */
export async function transaction(io: CliIo, target: DeviceTarget, args: TransactionArguments): Promise<void> {
    const scope = scopeName(args.scope);
    await withDevice(target, async (client) => {
        await begin(io, client, args);
        out(io, `transaction begun: ${scope}, as ${who(target)}`);
        for (const text of args.texts) {
            const timestamp = await client.reflect(textEnvelope(client.deviceId, text));
            out(io, `reflected ${quoted(text)} inside the transaction, acknowledged at ${formatTimestamp(timestamp)}`);
        }
        if (args.holdMs > 0) {
            out(io, `holding the lock for ${args.holdMs} ms`);
            await Promise.race([sleep(args.holdMs, io.signal), client.closed]);
        }
        await client.commitTransaction();
        out(io, `transaction committed: ${scope}`);
    });
}
