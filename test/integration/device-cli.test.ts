/**
 * The device CLI (`mediator device ...`) run in-process: each invocation is
 * the command module in a fresh yargs instance with captured stdout and
 * stderr, against real mediators on every backend. Covers keygen, a
 * listener receiving another invocation's reflection, devices, transaction
 * (also waiting for the lock), drop (the listener stops on 4113), connecting
 * again after a mediator restart, and the exit statuses of bad input.
 */
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { deviceCommand, deviceIdsPath } from '../../src/device-cli/index.js';
import { waitUntil, withTimeout } from '../helpers/devices.js';
import { BACKEND_KINDS, startTestMediator, type TestMediator } from '../helpers/mediator.js';

class Capture {
    public text = '';

    public write(chunk: string): boolean {
        this.text += chunk;
        return true;
    }

    public count(fragment: string): number {
        return this.text.split(fragment).length - 1;
    }
}

interface CliRun {
    readonly stdout: Capture;
    readonly stderr: Capture;
    /** Resolves with the exit status once the command ended. */
    readonly done: Promise<number>;
    /** Stops a long-running command (as the composition root would on Ctrl-C). */
    abort(): void;
}

interface CliResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

function startCli(env: NodeJS.ProcessEnv, args: readonly string[]): CliRun {
    const stdout = new Capture();
    const stderr = new Capture();
    const controller = new AbortController();
    let code = 0;
    const command = deviceCommand(env, {
        stdout,
        stderr,
        setExitCode: (value) => {
            code = value;
        },
        signal: controller.signal,
    });
    const done = yargs()
        .scriptName('mediator')
        .command(command)
        .demandCommand(1)
        .strict()
        .exitProcess(false)
        .parseAsync(['device', ...args])
        .then(() => code);
    return { stdout, stderr, done, abort: () => controller.abort() };
}

async function runCli(env: NodeJS.ProcessEnv, args: readonly string[]): Promise<CliResult> {
    const run = startCli(env, args);
    const code = await withTimeout(run.done, 10_000, `mediator device ${args.join(' ')}`);
    return { code, stdout: run.stdout.text, stderr: run.stderr.text };
}

/** Runs a command that must succeed; shows its stderr when it does not. */
async function ok(env: NodeJS.ProcessEnv, args: readonly string[]): Promise<string> {
    const result = await runCli(env, args);
    expect(result.code, result.stderr).to.equal(0);
    return result.stdout;
}

async function rememberedId(keyFile: string, label: string): Promise<string> {
    const ids = JSON.parse(await readFile(deviceIdsPath(keyFile), 'utf8')) as Record<string, string>;
    const id = ids[label];
    if (id === undefined) throw new Error(`no device id remembered for ${label}`);
    return id;
}

/** A TCP relay in front of a mediator whose connections the test can cut (the device sees 1006). */
async function startRelay(target: string): Promise<{ url: string; cut(): void; close(): Promise<void> }> {
    const { hostname, port } = new URL(target);
    const pairs = new Set<Socket>();
    const server = createServer((inbound) => {
        const outbound = connect(Number(port), hostname);
        for (const [from, to] of [
            [inbound, outbound],
            [outbound, inbound],
        ] as const) {
            pairs.add(from);
            from.pipe(to);
            from.on('error', () => to.destroy());
            from.on('close', () => {
                pairs.delete(from);
                to.destroy();
            });
        }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as AddressInfo;
    return {
        url: `ws://127.0.0.1:${address.port}/`,
        cut: () => {
            for (const socket of pairs) socket.destroy();
        },
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}

describe('device CLI', function () {
    this.timeout(20_000);
    let dir: string;

    before(async function () {
        dir = await mkdtemp(join(tmpdir(), 'device-cli-'));
    });

    after(async function () {
        await rm(dir, { recursive: true, force: true });
    });

    it('keygen writes a 0600 device group file without printing the key and never overwrites it', async function () {
        const file = join(dir, 'keygen.json');
        const stdout = await ok({}, ['keygen', file, '--server-group', 'e7']);
        const content = await readFile(file, 'utf8');
        const parsed = JSON.parse(content) as { version: number; deviceGroupKey: string; serverGroup: string };
        expect(parsed.version).to.equal(1);
        expect(parsed.deviceGroupKey).to.match(/^[0-9a-f]{64}$/u);
        expect(parsed.serverGroup).to.equal('e7');
        expect((await stat(file)).mode & 0o777).to.equal(0o600);
        expect(stdout).to.match(/device group id [0-9a-f]{64}/u);
        expect(stdout).not.to.include(parsed.deviceGroupKey);

        const again = await runCli({}, ['keygen', file]);
        expect(again.code).to.equal(1);
        expect(again.stderr).to.include('refusing to overwrite');
        expect(await readFile(file, 'utf8')).to.equal(content);
        expect(again.stdout + again.stderr).not.to.include(parsed.deviceGroupKey);
    });

    it('keygen prints the absolute path and warns when a git working tree would not ignore the file', async function () {
        const repo = join(dir, 'repo');
        await mkdir(repo);
        execFileSync('git', ['init', '-q', repo]);
        const exposed = join(repo, 'demo.json');
        const first = await runCli({}, ['keygen', exposed]);
        expect(first.code, first.stderr).to.equal(0);
        expect(first.stdout).to.include(`created ${exposed} (mode 0600)`);
        expect(first.stdout).to.include("it holds the device group's secret key");
        expect(first.stderr).to.include(`warning: ${exposed} holds a secret key and lies in the git working tree`);
        expect(first.stderr).to.include('do not commit it');

        await writeFile(join(repo, '.gitignore'), 'ignored.json\n');
        const ignored = await runCli({}, ['keygen', join(repo, 'ignored.json')]);
        expect(ignored.code, ignored.stderr).to.equal(0);
        expect(ignored.stderr).to.equal('');

        const outside = await runCli({}, ['keygen', join(dir, 'outside.json')]);
        expect(outside.code, outside.stderr).to.equal(0);
        expect(outside.stderr).to.equal('');
    });

    it("the repository's .gitignore covers the group file names of the README and docs/device-cli.md", function () {
        const root = fileURLToPath(new URL('../../../', import.meta.url));
        const names = ['group.json', 'd2m-demo.json', 'group.device-ids.json', 'd2m-demo.device-ids.json'];
        const run = spawnSync('git', ['-C', root, 'check-ignore', '--', ...names], { encoding: 'utf8' });
        if (run.status === 128 || run.error !== undefined) this.skip(); // not a git checkout
        expect(run.stdout.split('\n').filter((line) => line !== '')).to.deep.equal(names);
    });

    for (const kind of BACKEND_KINDS) {
        describe(`against a mediator (${kind})`, function () {
            let mediator: TestMediator;
            let env: NodeJS.ProcessEnv;
            const listeners: CliRun[] = [];

            before(async function () {
                mediator = await startTestMediator({ kind });
                env = { MEDIATOR_URL: mediator.url };
            });

            afterEach(async function () {
                for (const listener of listeners.splice(0)) {
                    listener.abort();
                    await withTimeout(listener.done, 5000, 'the listener to stop');
                }
            });

            after(async function () {
                await mediator.stop();
            });

            async function newGroup(name: string): Promise<string> {
                const file = join(dir, `${kind.replace('+', '-')}-${name}.json`);
                await ok({}, ['keygen', file]);
                return file;
            }

            function startListener(keyFile: string, label: string, extra: readonly string[] = []): CliRun {
                const listener = startCli(env, ['listen', '--key-file', keyFile, '--label', label, ...extra]);
                listeners.push(listener);
                return listener;
            }

            it('a listener prints what other invocations reflect; devices lists the group; transactions hold and wait', async function () {
                const keyFile = await newGroup('talk');
                const listener = startListener(keyFile, 'laptop');
                await waitUntil(() => listener.stdout.text.includes('leader:'), 5000, 'the listener to connect');
                const laptop = await rememberedId(keyFile, 'laptop');
                expect(listener.stdout.text).to.include(`connected to ${mediator.url} as ${laptop} ("laptop")`);
                expect(listener.stdout.text).to.include('queue-dry:');
                expect(listener.stderr.text).to.include(`new device ${laptop} for label "laptop"`);

                const reflected = await ok(env, ['reflect', '--key-file', keyFile, '--label', 'phone', 'hello']);
                const phone = await rememberedId(keyFile, 'phone');
                expect(reflected).to.match(/^reflected "hello" as 0x[0-9a-f]{16} \("phone"\), acknowledged at \d{4}-/u);
                await waitUntil(() => listener.stdout.text.includes('"hello"'), 5000, 'the reflection');
                expect(listener.stdout.text).to.match(new RegExp(`reflected #1 \\S+ from ${phone}: "hello"\\n`, 'u'));

                // The same label is the same device: no new id the second time.
                const second = await runCli(env, ['reflect', '--key-file', keyFile, '--label', 'phone', 'line\n2']);
                expect(second.code).to.equal(0);
                expect(second.stderr).not.to.include('new device');
                await waitUntil(() => listener.stdout.text.includes('"line\\n2"'), 5000, 'the second reflection');

                const ephemeral = await ok(env, ['reflect', '--key-file', keyFile, '--ephemeral', 'online only']);
                expect(ephemeral).to.include('ephemeral: sent, not acknowledged');
                await waitUntil(() => listener.stdout.text.includes('"online only"'), 5000, 'the ephemeral reflection');
                expect(listener.stdout.text).to.match(/\(ephemeral\): "online only"\n/u);

                const table = await ok(env, ['devices', '--key-file', keyFile]);
                expect(table.split('\n')[0]).to.match(/^DEVICE ID\s+LABEL\s+PLATFORM\s+SLOT\s+STATE$/u);
                expect(table).to.match(
                    new RegExp(`${laptop}\\s+"laptop"\\s+desktop\\s+persistent\\s+online since`, 'u'),
                );
                expect(table).to.match(
                    new RegExp(`${phone}\\s+"phone"\\s+desktop\\s+persistent\\s+offline since`, 'u'),
                );
                expect(table).to.match(/"cli"\s+desktop\s+persistent\s+online since \S+ \(this command\)/u);

                const json = JSON.parse(
                    await ok(env, [
                        'devices',
                        '--key-file',
                        keyFile,
                        '--json',
                        '--label',
                        'tablet',
                        '--platform',
                        'ios',
                    ]),
                ) as { deviceId: string; label: string; platform: string; online: boolean; self: boolean }[];
                expect(json.map((row) => row.label).sort()).to.deep.equal(['cli', 'laptop', 'phone', 'tablet']);
                expect(json.find((row) => row.label === 'tablet')).to.include({
                    platform: 'ios',
                    online: true,
                    self: true,
                });
                expect(json.find((row) => row.deviceId === phone)).to.include({ label: 'phone', online: false });

                // A transaction holds the lock; a second one waits for it, then runs.
                const holder = startCli(env, [
                    'transaction',
                    '--key-file',
                    keyFile,
                    '--label',
                    'phone',
                    '--scope',
                    'group-sync',
                    '--reflect',
                    'inside',
                    '--hold-ms',
                    '400',
                ]);
                await waitUntil(() => holder.stdout.text.includes('holding the lock'), 5000, 'the first transaction');
                const waiter = await runCli(env, ['transaction', '--key-file', keyFile]);
                expect(waiter.code, waiter.stderr).to.equal(0);
                expect(waiter.stderr).to.include(`${phone} holds the lock (group-sync); waiting for it to end`);
                expect(waiter.stdout).to.include('transaction begun: contact-sync');
                expect(waiter.stdout).to.include('transaction committed: contact-sync');
                expect(await holder.done, holder.stderr.text).to.equal(0);
                expect(holder.stdout.text).to.match(/reflected "inside" inside the transaction, acknowledged at /u);
                expect(holder.stdout.text).to.include('transaction committed: group-sync');

                const busy = startCli(env, [
                    'transaction',
                    '--key-file',
                    keyFile,
                    '--label',
                    'phone',
                    '--hold-ms',
                    '300',
                ]);
                await waitUntil(() => busy.stdout.text.includes('holding the lock'), 5000, 'the third transaction');
                const refused = await runCli(env, ['transaction', '--key-file', keyFile, '--no-wait']);
                expect(refused.code).to.equal(1);
                expect(refused.stderr).to.include(`${phone} holds the lock (contact-sync); try again later`);
                expect(await busy.done).to.equal(0);

                await waitUntil(
                    () => listener.stdout.count('transaction-ended:') >= 3,
                    5000,
                    'the listener to see the transactions end',
                );
                expect(listener.stdout.text).to.include(`transaction-ended: ${phone} ended its group-sync transaction`);
                expect(listener.stdout.text).to.match(new RegExp(`from ${phone}: "inside"\\n`, 'u'));

                listener.abort();
                expect(await listener.done).to.equal(0);
                expect(listener.stderr.text).to.include('stopped');
            });

            it('drop closes the dropped listener with 4113 and it stops with exit status 1', async function () {
                const keyFile = await newGroup('drop');
                const listener = startListener(keyFile, 'laptop', ['--reconnect-delay-ms', '100']);
                await waitUntil(() => listener.stdout.text.includes('connected to'), 5000, 'the listener to connect');
                const laptop = await rememberedId(keyFile, 'laptop');

                const missing = await runCli(env, ['drop', '--key-file', keyFile, '12345']);
                expect(missing.code).to.equal(1);
                expect(missing.stderr).to.include('0x0000000000003039 is not a device of this group');

                // Decimal works as well as hex.
                const dropped = await ok(env, ['drop', '--key-file', keyFile, BigInt(laptop).toString(10)]);
                expect(dropped).to.equal(`dropped ${laptop} ("laptop")\n`);
                expect(await withTimeout(listener.done, 5000, 'the listener to stop')).to.equal(1);
                expect(listener.stderr.text).to.include('not connecting again (4113 needs user action)');
                expect(listener.stderr.text).to.include('4113 device-dropped');
                expect(listener.stderr.text).not.to.include('connecting again in');

                const table = await ok(env, ['devices', '--key-file', keyFile]);
                expect(table).not.to.include(laptop);
            });
        });
    }

    describe('failures and usage errors', function () {
        let mediator: TestMediator;
        let keyFile: string;

        before(async function () {
            mediator = await startTestMediator({ kind: 'embedded' });
            keyFile = join(dir, 'errors.json');
            await ok({}, ['keygen', keyFile]);
        });

        after(async function () {
            await mediator.stop();
        });

        it('a listener connects again after its connection breaks (1006)', async function () {
            const relay = await startRelay(mediator.url);
            const env = { MEDIATOR_URL: relay.url, MEDIATOR_DEVICE_KEY_FILE: keyFile };
            const listener = startCli(env, ['listen', '--reconnect-delay-ms', '100']);
            try {
                await waitUntil(() => listener.stdout.text.includes('connected to'), 5000, 'the listener to connect');
                relay.cut();
                await waitUntil(() => listener.stdout.count('connected to') === 2, 5000, 'the listener to reconnect');
                expect(listener.stderr.text).to.include('1006 abnormal');
                expect(listener.stderr.text).to.include('connecting again in 0.1 s');
                expect(listener.stdout.text).to.include('existing device slot');
                await ok(env, ['reflect', '--label', 'phone', 'after the break']);
                await waitUntil(() => listener.stdout.text.includes('"after the break"'), 5000, 'the reflection');
            } finally {
                listener.abort();
                expect(await withTimeout(listener.done, 5000, 'the listener to stop')).to.equal(0);
                await relay.close();
            }
        });

        it('exits 2 for command lines that cannot run', async function () {
            const env = { MEDIATOR_URL: mediator.url };
            const cases: [readonly string[], string][] = [
                [[], 'name a device command'],
                [['bogus'], 'Unknown argument: bogus'],
                [['lisen'], 'Unknown command "lisen": did you mean "listen"?'],
                [['devices'], 'Missing required argument: key-file'],
                [['drop', '--key-file', keyFile, 'zz'], 'device id must be decimal (42) or 0x-prefixed hex'],
                [['drop', '--key-file', keyFile, '0x1ffffffffffffffff'], 'device id must be decimal'],
                [['drop', '--key-file', keyFile, '18446744073709551616'], 'at most 2^64 - 1'],
                [['devices', '--key-file', keyFile, '--device-id', '-1'], '--device-id must be decimal'],
                [['devices', '--key-file', keyFile, '--url', 'http://127.0.0.1:1/'], '--url must start with ws:'],
                [['transaction', '--key-file', keyFile, '--scope', 'nope'], 'Invalid values'],
                [['transaction', '--key-file', keyFile, '--hold-ms', '-5'], '--hold-ms must be a whole number'],
                [['keygen', join(dir, 'x.json'), '--server-group', 'a-b'], '--server-group must be letters and digits'],
            ];
            for (const [args, message] of cases) {
                const result = await runCli(env, args);
                expect(result.code, args.join(' ')).to.equal(2);
                expect(result.stderr, args.join(' ')).to.include(message);
            }
        });

        it('exits 1 with a clear message when the command fails', async function () {
            const env = { MEDIATOR_URL: mediator.url };
            const absent = await runCli(env, ['devices', '--key-file', join(dir, 'absent.json')]);
            expect(absent.code).to.equal(1);
            expect(absent.stderr).to.include('does not exist; create it with `mediator device keygen');

            const broken = join(dir, 'broken.json');
            await writeFile(broken, '{"version":1,"deviceGroupKey":"abc","serverGroup":"4f"}', { mode: 0o600 });
            const malformed = await runCli(env, ['devices', '--key-file', broken]);
            expect(malformed.code).to.equal(1);
            expect(malformed.stderr).to.include('deviceGroupKey must be 64 hex digits');

            const unreachable = await runCli({ MEDIATOR_URL: 'ws://127.0.0.1:1/' }, [
                'reflect',
                '--key-file',
                keyFile,
                'x',
            ]);
            expect(unreachable.code).to.equal(1);
            expect(unreachable.stderr).to.include('cannot reach the mediator at ws://127.0.0.1:1/');

            const open = join(dir, 'open.json');
            await ok({}, ['keygen', open]);
            await chmod(open, 0o644);
            const warned = await runCli(env, ['devices', '--key-file', open]);
            expect(warned.code).to.equal(0);
            expect(warned.stderr).to.include(`warning: ${open} is accessible to other users (mode 0644)`);
        });

        it('a listener stops at once on a 41xx close during the handshake (4111 device limit)', async function () {
            const full = await startTestMediator({ kind: 'embedded', config: { policy: { maxDeviceSlots: 1 } } });
            try {
                const env = { MEDIATOR_URL: full.url };
                const groupFile = join(dir, 'full.json');
                await ok({}, ['keygen', groupFile]);
                await ok(env, ['reflect', '--key-file', groupFile, 'takes the only slot']);
                const listener = startCli(env, ['listen', '--key-file', groupFile, '--reconnect-delay-ms', '100']);
                expect(await withTimeout(listener.done, 5000, 'the listener to stop')).to.equal(1);
                expect(listener.stderr.text).to.include('4111 device-limit-reached');
                expect(listener.stderr.text).to.include('--drop-least-recent');

                const evicting = await ok(env, [
                    'devices',
                    '--key-file',
                    groupFile,
                    '--label',
                    'new',
                    '--drop-least-recent',
                ]);
                expect(evicting).to.include('"new"');
                expect(evicting).not.to.include('"cli"');
            } finally {
                await full.stop();
            }
        });
    });
});
