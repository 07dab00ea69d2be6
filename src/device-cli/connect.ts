/**
 * What every command that connects as a device shares: its options (device
 * group file, mediator URL, label or device id, slot settings) and turning
 * them into `DeviceClient.connect()` options, picking and remembering a
 * device id for the label when none is given.
 */
import type { Argv } from 'yargs';
import {
    DeviceSlotExpirationPolicy,
    DeviceSlotsExhaustedPolicy,
    ensureServerGroup,
    isServerGroup,
    type DeviceId,
} from '../../d2m/index.js';
import { DEFAULT_DEVICE_INFO, DeviceClient, type DeviceClientOptions } from '../device/index.js';
import { sodiumCryptoBackend } from '../crypto/index.js';
import { usageError } from './errors.js';
import { deviceIdForLabel, permissionWarning, readGroupFile } from './group-file.js';
import type { CliIo } from './io.js';
import { formatDeviceId, parseDeviceId, parsePlatform, PLATFORM_NAMES } from './values.js';

/** Where `--url` points unless MEDIATOR_URL says otherwise: a mediator started with `npm start`. */
export const DEFAULT_MEDIATOR_URL = 'ws://127.0.0.1:8080/';

/** Adds the connection options; `defaultLabel` is the label (and so the device) used without --label. */
export function withConnectionOptions<T>(command: Argv<T>, env: NodeJS.ProcessEnv, defaultLabel: string) {
    const keyFile = env.MEDIATOR_DEVICE_KEY_FILE;
    return command
        .option('key-file', {
            type: 'string',
            default: keyFile,
            demandOption: keyFile === undefined ? 'give --key-file or set MEDIATOR_DEVICE_KEY_FILE' : false,
            describe: 'device group file made by `keygen` (env MEDIATOR_DEVICE_KEY_FILE)',
        })
        .option('url', {
            type: 'string',
            default: env.MEDIATOR_URL ?? DEFAULT_MEDIATOR_URL,
            describe: 'mediator WebSocket URL, ws: or wss: (env MEDIATOR_URL)',
        })
        .option('label', {
            type: 'string',
            default: defaultLabel,
            describe:
                'device name shown to the group; each label gets its own device id, remembered beside the key file',
        })
        .option('device-id', {
            type: 'string',
            describe: 'connect as this device id (decimal or 0x hex) instead of the one remembered for --label',
        })
        .option('server-group', {
            type: 'string',
            describe: 'server group to connect with instead of the one in the key file',
        })
        .option('platform', {
            type: 'string',
            default: 'desktop',
            choices: Object.keys(PLATFORM_NAMES),
            describe: 'platform shown to the group',
        })
        .option('volatile', {
            type: 'boolean',
            default: false,
            describe: 'use a volatile device slot (removed a while after disconnecting) instead of a persistent one',
        })
        .option('drop-least-recent', {
            type: 'boolean',
            default: false,
            describe: 'when every device slot is in use, drop the least recently used one instead of failing (4111)',
        });
}

export interface ConnectionArguments {
    readonly 'key-file': string | undefined;
    readonly url: string;
    readonly label: string;
    readonly 'device-id': string | undefined;
    readonly 'server-group': string | undefined;
    readonly platform: string;
    readonly volatile: boolean;
    readonly 'drop-least-recent': boolean;
}

/** A device to connect as, with everything `DeviceClient.connect()` needs. */
export interface DeviceTarget {
    /** The mediator URL as given (without the ClientUrlInfo). */
    readonly url: string;
    readonly label: string;
    readonly deviceId: DeviceId;
    readonly options: DeviceClientOptions;
}

function checkUrl(url: string): void {
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        throw usageError(`--url ${JSON.stringify(url)} is not a URL`);
    }
    if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') throw usageError('--url must start with ws: or wss:');
    if (parsed.search !== '' || parsed.hash !== '') throw usageError('--url must have no query and no fragment');
}

/** Checks the arguments, reads the device group file and settles the device id (announcing a new one). */
export async function resolveTarget(args: ConnectionArguments, io: CliIo): Promise<DeviceTarget> {
    const keyFile = args['key-file'];
    if (keyFile === undefined || keyFile === '') throw usageError('give --key-file or set MEDIATOR_DEVICE_KEY_FILE');
    checkUrl(args.url);
    const label = args.label;
    if (label.trim() === '') throw usageError('--label must not be empty');
    const platform = parsePlatform(args.platform);
    const serverGroupArgument = args['server-group'];
    if (serverGroupArgument !== undefined && !isServerGroup(serverGroupArgument)) {
        throw usageError('--server-group must be letters and digits');
    }
    const explicitId = args['device-id'] === undefined ? undefined : parseDeviceId(args['device-id'], '--device-id');

    const settings = await readGroupFile(keyFile);
    const warning = await permissionWarning(keyFile);
    if (warning !== undefined) io.stderr.write(`${warning}\n`);
    let deviceId = explicitId;
    if (deviceId === undefined) {
        const remembered = await deviceIdForLabel(keyFile, label);
        deviceId = remembered.deviceId;
        if (remembered.created) {
            io.stderr.write(
                `new device ${formatDeviceId(deviceId)} for label ${JSON.stringify(label)} ` +
                    `(remembered in ${remembered.path})\n`,
            );
        }
    }
    return {
        url: args.url,
        label,
        deviceId,
        options: {
            url: args.url,
            deviceGroupKey: settings.deviceGroupKey,
            serverGroup: ensureServerGroup(serverGroupArgument ?? settings.serverGroup),
            deviceId,
            crypto: sodiumCryptoBackend,
            deviceSlotExpirationPolicy: args.volatile
                ? DeviceSlotExpirationPolicy.VOLATILE
                : DeviceSlotExpirationPolicy.PERSISTENT,
            deviceSlotsExhaustedPolicy: args['drop-least-recent']
                ? DeviceSlotsExhaustedPolicy.DROP_LEAST_RECENT
                : DeviceSlotsExhaustedPolicy.REJECT,
            deviceInfo: {
                platform,
                platformDetails: `d2m-mediator device CLI, Node.js ${process.version} on ${process.platform}`,
                appVersion: DEFAULT_DEVICE_INFO.appVersion,
                label,
            },
        },
    };
}

/** Connects as the target for one request-style command, runs `use`, and disconnects (1000). */
export async function withDevice<T>(target: DeviceTarget, use: (client: DeviceClient) => Promise<T>): Promise<T> {
    const client = await DeviceClient.connect(target.options);
    try {
        return await use(client);
    } finally {
        if (client.closeError === undefined) await client.close();
    }
}
