/**
 * `mediator device listen`: stays connected as a device and prints what it
 * sees, one line per event on stdout: `connected`, `reflected` (decrypted),
 * `queue-dry`, `leader`, `transaction-ended`. Reflections are acknowledged
 * after they are printed.
 *
 * When the connection ends with a 1xxx or 40xx close code (or cannot be
 * opened), it says so on stderr and connects again after the reconnect
 * delay. A 41xx close code needs the user to act: it stops with that code's
 * meaning (exit status 1). Aborting the signal closes with 1000 and exits 0.
 */
import { DeviceSlotState } from '../../d2m/index.js';
import { DeviceClient, MediatorCloseError } from '../device/index.js';
import type { DeviceTarget } from './connect.js';
import { describeClose, failure } from './errors.js';
import { formatReflected, formatTransactionEnded, quoted, shortGroupId } from './format.js';
import { sleep, type CliIo } from './io.js';
import { formatDeviceId } from './values.js';

/** How long `listen` waits before connecting again after a 1xxx or 40xx close. */
export const RECONNECT_DELAY_MS = 5_000;

function seconds(ms: number): string {
    return `${ms / 1000} s`;
}

function attach(client: DeviceClient, target: DeviceTarget, io: CliIo): void {
    const out = (line: string): void => void io.stdout.write(`${line}\n`);
    const info = client.serverInfo;
    out(
        `connected to ${target.url} as ${formatDeviceId(client.deviceId)} (${quoted(target.label)}), ` +
            `device group ${shortGroupId(client.deviceGroupId)}, ` +
            `${info.deviceSlotState === DeviceSlotState.NEW ? 'new' : 'existing'} device slot, ` +
            `${info.reflectionQueueLength} queued reflection(s)`,
    );
    client.on('reflected', (event) => out(formatReflected(event)));
    client.on('queueDry', () => out('queue-dry: every queued reflection has been delivered'));
    client.on('promotedToLeader', () => out("leader: this device is now the group's leader"));
    client.on('transactionEnded', (event) => out(formatTransactionEnded(event)));
    client.on('listenerError', (error) => {
        io.stderr.write(`listener failed: ${error instanceof Error ? error.message : String(error)}\n`);
    });
}

/** Resolves with the close error, or with `aborted` once the signal fires. */
function endOf(client: DeviceClient, signal: AbortSignal | undefined): Promise<MediatorCloseError | 'aborted'> {
    if (signal === undefined) return client.closed;
    if (signal.aborted) return Promise.resolve('aborted');
    return new Promise((resolve) => {
        const onAbort = (): void => resolve('aborted');
        signal.addEventListener('abort', onAbort, { once: true });
        void client.closed.then((error) => {
            signal.removeEventListener('abort', onAbort);
            resolve(error);
        });
    });
}

function stop(error: MediatorCloseError, url: string): Error {
    return failure(`not connecting again (${error.code} needs user action): ${describeClose(error, url)}`, error);
}

export async function listen(target: DeviceTarget, io: CliIo, reconnectDelayMs: number): Promise<void> {
    const signal = io.signal;
    const retry = async (error: MediatorCloseError): Promise<boolean> => {
        io.stderr.write(`${describeClose(error, target.url)}; connecting again in ${seconds(reconnectDelayMs)}\n`);
        return sleep(reconnectDelayMs, signal);
    };
    while (signal?.aborted !== true) {
        let client: DeviceClient;
        try {
            client = await DeviceClient.connect(target.options);
        } catch (error) {
            if (!(error instanceof MediatorCloseError)) throw error;
            if (!error.mayReconnectAutomatically) throw stop(error, target.url);
            if (!(await retry(error))) break;
            continue;
        }
        attach(client, target, io);
        const end = await endOf(client, signal);
        if (end === 'aborted') {
            await client.close();
            break;
        }
        if (!end.mayReconnectAutomatically) throw stop(end, target.url);
        if (!(await retry(end))) break;
    }
    io.stderr.write('stopped\n');
}
