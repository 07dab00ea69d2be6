/**
 * `npm start` stopped with Ctrl-C. A terminal sends SIGINT to its whole
 * foreground process group: npm, the shell npm runs the script in, and the
 * node. The node drains and exits 0; the whole command must then end with 0
 * too, not die of the signal (the shell would, and npm would report it as a
 * failure with exit 130), and the node must see the signal once (a second
 * one would skip the drain window).
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { CloseCode } from '../../d2m/index.js';
import { TestGroup, waitUntil } from '../helpers/devices.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const LISTENING = /mediator listening on (ws:\/\/\S+) /u;

describe('npm start and Ctrl-C', function () {
    this.timeout(60_000);

    before(function () {
        if (spawnSync('npm', ['--version']).status !== 0) this.skip();
    });

    it('exits 0 after a clean drain when the terminal sends SIGINT to the process group', async function () {
        const env: NodeJS.ProcessEnv = { ...process.env, npm_config_update_notifier: 'false' };
        delete env.REDIS_URL;
        delete env.DATABASE_URL;
        const child = spawn('npm', ['start', '--', '--host', '127.0.0.1', '--port', '0', '--drain-window-ms', '500'], {
            cwd: ROOT,
            // Its own process group, as a terminal's foreground job is.
            detached: true,
            stdio: ['ignore', 'pipe', 'pipe'],
            env,
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
            child.once('exit', (code, signal) => resolve({ code, signal })),
        );
        try {
            await waitUntil(() => LISTENING.test(stdout), 40_000, `npm start to listen:\n${stdout}\n${stderr}`);
            const url = LISTENING.exec(stdout)![1]!;
            const device = await new TestGroup(url).connect(1n);

            process.kill(-child.pid!, 'SIGINT');
            const closed = await device.waitForClose();
            const exit = await exited;

            expect(closed.code).to.equal(CloseCode.GOING_AWAY);
            expect(exit, stderr).to.deep.equal({ code: 0, signal: null });
            expect(stdout).to.include('mediator drained after SIGINT; exiting with 0');
            expect(stderr).to.include('"msg":"drained; exiting"');
            expect(stderr).not.to.include('second signal');
            expect(stderr).not.to.include('npm error');
        } finally {
            try {
                process.kill(-child.pid!, 'SIGKILL');
            } catch {
                // The group has ended.
            }
        }
    });
});
