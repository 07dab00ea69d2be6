/**
 * `mediator admin ...`: the admin API from the command line.
 *
 *   mediator admin list [--limit N] [--after GROUP]
 *   mediator admin show GROUP
 *   mediator admin policy get GROUP
 *   mediator admin policy set GROUP [--max-device-slots N] [--queue-max-count N] ... [--unset FIELD] [--replace]
 *   mediator admin policy reset GROUP
 *   mediator admin drop GROUP DEVICE
 *   mediator admin delete-group GROUP --yes
 *
 * `--url` (env MEDIATOR_ADMIN_URL) names the admin port, `--token` (env
 * MEDIATOR_ADMIN_TOKEN) the bearer token, `--json` prints the API's answer
 * as is. The environment comes in as a parameter, from src/main.ts.
 * Failures print one line on stderr and set exit code 1.
 */
import type { Argv, CommandModule } from 'yargs';
import { AdminApiError, AdminClient, type Json, type PolicyChange } from './client.js';
import { renderDelete, renderDrop, renderList, renderPolicy, renderShow } from './cli-render.js';
import { POLICY_FIELDS } from './policy.js';

/** Where the admin port is unless told otherwise (the admin port's default in src/config). */
export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:9090';

/** Where the commands write, and how they report failure; tests capture both. */
export interface AdminCliIo {
    out(text: string): void;
    err(text: string): void;
    /** Called with 1 when a command fails. */
    setExitCode(code: number): void;
}

const PROCESS_IO: AdminCliIo = {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    setExitCode: (code) => {
        process.exitCode = code;
    },
};

interface CommonArguments {
    readonly url: string;
    readonly token: string | undefined;
    readonly json: boolean;
}

type AdminArgv = Argv<CommonArguments>;

/** `policy set` flag ↔ policy field. */
const POLICY_FLAGS = (Object.keys(POLICY_FIELDS) as (keyof typeof POLICY_FIELDS)[]).map((field) => ({
    field,
    flag: field.replace(/[A-Z]/gu, (letter) => `-${letter.toLowerCase()}`),
}));

function usage(message: string): AdminApiError {
    return new AdminApiError(message, 0, 'usage', '-');
}

function parsePolicyFlags(args: Readonly<Record<string, unknown>>): PolicyChange {
    const change: Record<string, number | null> = {};
    for (const { field, flag } of POLICY_FLAGS) {
        const value = args[flag];
        if (value === undefined) continue;
        if (typeof value !== 'number' || !Number.isInteger(value)) throw usage(`--${flag} must be an integer`);
        change[field] = value;
    }
    const unset = args.unset;
    for (const name of Array.isArray(unset) ? unset : []) {
        const known = POLICY_FLAGS.find((entry) => entry.field === name || entry.flag === name);
        if (known === undefined) throw usage(`--unset ${String(name)}: not a policy field`);
        change[known.field] = null;
    }
    return change;
}

/** Runs one command: prints its answer, or one error line and exit code 1. */
async function run(
    io: AdminCliIo,
    args: CommonArguments,
    call: (client: AdminClient) => Promise<Json>,
    render: (answer: Json) => string,
): Promise<void> {
    try {
        const client = new AdminClient({ url: args.url, token: args.token });
        const answer = await call(client);
        io.out(args.json ? `${JSON.stringify(answer, null, 2)}\n` : render(answer));
    } catch (error) {
        if (error instanceof AdminApiError) {
            const status =
                error.status === 0 ? '' : ` (HTTP ${error.status}, ${error.code}, request ${error.requestId})`;
            io.err(`mediator admin: ${error.message}${status}\n`);
        } else {
            io.err(`mediator admin: ${error instanceof Error ? error.message : String(error)}\n`);
        }
        io.setExitCode(1);
    }
}

function withGroup<T>(command: Argv<T>): Argv<T & { group: string }> {
    return command.positional('group', {
        type: 'string',
        demandOption: true,
        describe: 'device group id (64 hex characters)',
    });
}

function listCommand(yargs: AdminArgv, io: AdminCliIo): AdminArgv {
    return yargs.command(
        'list',
        'list device groups (those with slots), ordered by id',
        (command) =>
            command
                .option('limit', { type: 'number', describe: 'groups per page (1-1000, default 100)' })
                .option('after', { type: 'string', describe: 'start after this group id (paging)' }),
        (args) => run(io, args, (client) => client.listGroups({ limit: args.limit, after: args.after }), renderList),
    );
}

function showCommand(yargs: AdminArgv, io: AdminCliIo): AdminArgv {
    return yargs.command(
        'show <group>',
        'show a device group: slots, presence, queues, leader, lock, policy',
        (command) => withGroup(command),
        (args) => run(io, args, (client) => client.showGroup(args.group), renderShow),
    );
}

function policySetOptions<T>(command: Argv<T>): Argv<T & { group: string; replace: boolean }> {
    let built = withGroup(command)
        .option('unset', { type: 'string', array: true, describe: 'field(s) to return to the default' })
        .option('replace', {
            type: 'boolean',
            default: false,
            describe: 'make the given fields the whole override (others return to the default)',
        });
    for (const { field, flag } of POLICY_FLAGS) {
        built = built.option(flag, { type: 'number', describe: POLICY_FIELDS[field].meaning });
    }
    return built;
}

function policyCommand(yargs: AdminArgv, io: AdminCliIo): AdminArgv {
    return yargs.command('policy <action>', "show or change a device group's slot policy", (policy) =>
        policy
            .command(
                'get <group>',
                "show the group's policy (override and defaults)",
                (command) => withGroup(command),
                (args) => run(io, args, (client) => client.getPolicy(args.group), renderPolicy),
            )
            .command(
                'set <group>',
                'change the policy; applies to the next login of each device',
                (command) => policySetOptions(command),
                (args) =>
                    run(
                        io,
                        args,
                        (client) => {
                            const change = parsePolicyFlags(args);
                            if (Object.keys(change).length === 0 && !args.replace) {
                                throw usage('name at least one field to set or --unset');
                            }
                            return client.setPolicy(args.group, change, args.replace);
                        },
                        renderPolicy,
                    ),
            )
            .command(
                'reset <group>',
                'remove the override: every field follows the defaults again',
                (command) => withGroup(command),
                (args) => run(io, args, (client) => client.resetPolicy(args.group), renderPolicy),
            )
            .demandCommand(1, 'name an action: get, set or reset'),
    );
}

function dropCommand(yargs: AdminArgv, io: AdminCliIo): AdminArgv {
    return yargs.command(
        'drop <group> <device>',
        'drop a device slot; its device is closed with 4113 wherever it is connected',
        (command) =>
            withGroup(command).positional('device', {
                type: 'string',
                demandOption: true,
                describe: 'device id: decimal, or 0x and hex',
            }),
        (args) => run(io, args, (client) => client.dropSlot(args.group, args.device), renderDrop),
    );
}

function deleteGroupCommand(yargs: AdminArgv, io: AdminCliIo): AdminArgv {
    return yargs.command(
        'delete-group <group>',
        'delete a device group entirely; its devices are closed with 4113',
        (command) =>
            withGroup(command).option('yes', {
                type: 'boolean',
                default: false,
                describe: 'confirm: every slot, queue and setting of the group is deleted',
            }),
        (args) =>
            run(
                io,
                args,
                (client) => {
                    if (!args.yes) throw usage('deleting a device group cannot be undone: add --yes');
                    return client.deleteGroup(args.group);
                },
                renderDelete,
            ),
    );
}

/**
 * The `admin` command for yargs. `env` supplies the defaults of `--url`
 * (MEDIATOR_ADMIN_URL) and `--token` (MEDIATOR_ADMIN_TOKEN).
 */
export function adminCommand(env: NodeJS.ProcessEnv, io: AdminCliIo = PROCESS_IO): CommandModule {
    const nonEmpty = (value: string | undefined): string | undefined =>
        value === undefined || value === '' ? undefined : value;
    const commonOptions = (yargs: Argv): AdminArgv =>
        yargs
            .option('url', {
                type: 'string',
                default: nonEmpty(env.MEDIATOR_ADMIN_URL) ?? DEFAULT_ADMIN_URL,
                describe: 'base URL of the admin port (env MEDIATOR_ADMIN_URL)',
            })
            .option('token', {
                type: 'string',
                default: nonEmpty(env.MEDIATOR_ADMIN_TOKEN),
                defaultDescription: 'env MEDIATOR_ADMIN_TOKEN',
                describe: 'admin bearer token; prefer the environment variable (env MEDIATOR_ADMIN_TOKEN)',
            })
            .option('json', { type: 'boolean', default: false, describe: "print the API's JSON answer" });
    const commands = [listCommand, showCommand, policyCommand, dropCommand, deleteGroupCommand];
    return {
        command: 'admin <command>',
        describe: "manage device groups through a node's admin API",
        builder: (yargs: Argv) =>
            commands
                .reduce((built, register) => register(built, io), commonOptions(yargs))
                .demandCommand(1, 'name a command: list, show, policy, drop or delete-group'),
        handler: () => undefined,
    };
}
