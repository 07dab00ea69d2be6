/**
 * `mediator device ...` as a yargs command module: the subcommands, their
 * options, and how each ends (exit status 0, 1 for a failure, 2 for a
 * command line that cannot run). The factory takes the environment (for
 * option defaults) and where to write, so it runs in-process in tests.
 */
import type { Argv, CommandModule } from 'yargs';
import { ensureServerGroup, isServerGroup } from '../../d2m/index.js';
import { resolveTarget, withConnectionOptions } from './connect.js';
import { EXIT_USAGE, usageError } from './errors.js';
import { DEFAULT_SERVER_GROUP } from './group-file.js';
import { resolveIo, runCommand, type CliIo, type DeviceCliIo } from './io.js';
import { usageHints } from '../cli-usage.js';
import { keygen } from './keygen.js';
import { listen, RECONNECT_DELAY_MS } from './listen.js';
import { devices, drop, reflect, transaction } from './requests.js';
import { parseDeviceId, parseScope, SCOPE_NAMES } from './values.js';

/** The device subcommands, for "did you mean" hints. */
const DEVICE_COMMANDS = ['keygen', 'listen', 'reflect', 'devices', 'drop', 'transaction'] as const;

/** The label, and so the remembered device, of `reflect`, `devices`, `drop` and `transaction` without --label. */
export const DEFAULT_COMMAND_LABEL = 'cli';
/** The label of `listen` without --label: a listener is a device of its own, apart from the one-shot commands. */
export const DEFAULT_LISTEN_LABEL = 'listener';

function keygenCommand(command: Argv, io: CliIo): Argv {
    return command.command(
        'keygen <file>',
        'create a device group file with a new random key (mode 0600; never overwrites)',
        (c) =>
            c
                .positional('file', { type: 'string', demandOption: true, describe: 'the file to create' })
                .option('server-group', {
                    type: 'string',
                    default: DEFAULT_SERVER_GROUP,
                    describe: 'server group the devices connect with (letters and digits)',
                }),
        (args) =>
            runCommand(io, 'keygen', undefined, async () => {
                const serverGroup = args['server-group'];
                if (!isServerGroup(serverGroup)) throw usageError('--server-group must be letters and digits');
                await keygen(io, args.file, ensureServerGroup(serverGroup));
            }),
    );
}

function listenCommand(command: Argv, env: NodeJS.ProcessEnv, io: CliIo): Argv {
    return command.command(
        'listen',
        'connect as a device and print reflections and events as they arrive, until stopped',
        (c) =>
            withConnectionOptions(c, env, DEFAULT_LISTEN_LABEL).option('reconnect-delay-ms', {
                type: 'number',
                default: RECONNECT_DELAY_MS,
                describe: 'wait before connecting again after a 1xxx or 40xx close code',
            }),
        (args) =>
            runCommand(io, 'listen', args.url, async () => {
                const delayMs = args['reconnect-delay-ms'];
                if (!Number.isInteger(delayMs) || delayMs < 0) {
                    throw usageError('--reconnect-delay-ms must be a whole number >= 0');
                }
                await listen(await resolveTarget(args, io), io, delayMs);
            }),
    );
}

function reflectCommand(command: Argv, env: NodeJS.ProcessEnv, io: CliIo): Argv {
    return command.command(
        'reflect <text>',
        'connect as a device, reflect a text to the other devices, print the acknowledgement time',
        (c) =>
            withConnectionOptions(c, env, DEFAULT_COMMAND_LABEL)
                .positional('text', { type: 'string', demandOption: true, describe: 'the text (UTF-8)' })
                .option('ephemeral', {
                    type: 'boolean',
                    default: false,
                    describe: 'deliver only to devices online now; no acknowledgement',
                }),
        (args) =>
            runCommand(io, 'reflect', args.url, async () => {
                await reflect(io, await resolveTarget(args, io), args.text, args.ephemeral);
            }),
    );
}

function devicesCommand(command: Argv, env: NodeJS.ProcessEnv, io: CliIo): Argv {
    return command.command(
        'devices',
        "list the group's devices: id, label, platform, slot, online state",
        (c) =>
            withConnectionOptions(c, env, DEFAULT_COMMAND_LABEL).option('json', {
                type: 'boolean',
                default: false,
                describe: 'print JSON instead of a table',
            }),
        (args) =>
            runCommand(io, 'devices', args.url, async () => {
                await devices(io, await resolveTarget(args, io), args.json);
            }),
    );
}

function dropCommand(command: Argv, env: NodeJS.ProcessEnv, io: CliIo): Argv {
    return command.command(
        'drop <id>',
        'drop a device slot of the group (a connected device is closed with 4113)',
        (c) =>
            withConnectionOptions(c, env, DEFAULT_COMMAND_LABEL).positional('id', {
                type: 'string',
                demandOption: true,
                describe: 'the device id to drop, decimal or 0x hex (as `devices` shows it)',
            }),
        (args) =>
            runCommand(io, 'drop', args.url, async () => {
                const deviceId = parseDeviceId(args.id);
                await drop(io, await resolveTarget(args, io), deviceId);
            }),
    );
}

function transactionCommand(command: Argv, env: NodeJS.ProcessEnv, io: CliIo): Argv {
    return command.command(
        'transaction',
        'begin a transaction, reflect texts inside it, hold the lock, commit (all on one connection)',
        (c) =>
            withConnectionOptions(c, env, DEFAULT_COMMAND_LABEL)
                .option('scope', {
                    type: 'string',
                    default: 'contact-sync',
                    choices: Object.keys(SCOPE_NAMES),
                    describe: 'what the transaction is about',
                })
                .option('reflect', {
                    type: 'string',
                    array: true,
                    default: [] as string[],
                    describe: 'text to reflect inside the transaction (repeatable); others see it after the commit',
                })
                .option('hold-ms', {
                    type: 'number',
                    default: 0,
                    describe: 'hold the lock this long before committing',
                })
                .option('ttl', {
                    type: 'number',
                    default: 0,
                    describe: "seconds the mediator lets the lock be held (then 4011); 0: the mediator's default",
                })
                .option('wait', {
                    type: 'boolean',
                    default: true,
                    describe: 'wait while another device holds the lock (--no-wait: fail instead)',
                }),
        (args) =>
            runCommand(io, 'transaction', args.url, async () => {
                const scope = parseScope(args.scope);
                const holdMs = args['hold-ms'];
                if (!Number.isInteger(holdMs) || holdMs < 0) throw usageError('--hold-ms must be a whole number >= 0');
                if (!Number.isInteger(args.ttl) || args.ttl < 0) {
                    throw usageError('--ttl must be a whole number of seconds >= 0');
                }
                await transaction(io, await resolveTarget(args, io), {
                    scope,
                    ttlS: args.ttl,
                    holdMs,
                    texts: args.reflect,
                    wait: args.wait,
                });
            }),
    );
}

/**
 * The `device` command module. `env` supplies MEDIATOR_URL and
 * MEDIATOR_DEVICE_KEY_FILE as option defaults; `io` says where output goes
 * (default: the process streams and exit code).
 */
export function deviceCommand(env: NodeJS.ProcessEnv, io?: DeviceCliIo): CommandModule {
    const cli = resolveIo(io);
    return {
        command: 'device',
        describe: 'act as a device of a device group: keygen, listen, reflect, devices, drop, transaction',
        builder: (command) => {
            let built = keygenCommand(command, cli);
            built = listenCommand(built, env, cli);
            built = reflectCommand(built, env, cli);
            built = devicesCommand(built, env, cli);
            built = dropCommand(built, env, cli);
            built = transactionCommand(built, env, cli);
            return built
                .demandCommand(1, 'name a device command: keygen, listen, reflect, devices, drop or transaction')
                .strict()
                .fail((message: string | null, error: Error | undefined) => {
                    const text = message ?? error?.message ?? 'invalid command line';
                    const hints = usageHints(text, { command: 'device', words: DEVICE_COMMANDS, wordKind: 'command' });
                    cli.stderr.write(`mediator device: ${text}\n${hints.map((line) => `${line}\n`).join('')}`);
                    cli.setExitCode(EXIT_USAGE);
                    command.exit(EXIT_USAGE, error ?? new Error(text));
                });
        },
        handler: () => undefined,
    };
}
