/**
 * `mediator serve` as a child process (the real entry point), for the
 * tests, the benchmarks and the chaos run: it resolves once the node printed
 * `mediator listening on …` (and, when asked, `admin listening on …`),
 * with the URL and node id read from that line, and offers kill and stop
 * controls. The parent's REDIS_URL and DATABASE_URL are not passed on: a
 * node uses exactly the storage its arguments name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../../src/node-flags.js';

/** The built entry point, `dist/src/main.js`. */
export const MEDIATOR_MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

const LISTENING = /mediator listening on (wss?:\/\/\S+) \(node (\S+)\)/u;
const ADMIN_LISTENING = /admin listening on (https?:\/\/\S+\/)/u;
const READY_TIMEOUT_MS = 20_000;

export interface ExitStatus {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
}

/** The process ended before it listened: how it ended and what it wrote to stderr. */
export class MediatorStartError extends Error {
    public constructor(
        public readonly exit: ExitStatus,
        public readonly stderr: string,
    ) {
        super(`mediator exited (${exit.code ?? exit.signal}) before listening:\n${stderr}`);
        this.name = 'MediatorStartError';
    }
}

export interface SpawnMediatorOptions {
    /** Arguments after `serve`. */
    readonly args: readonly string[];
    /** Added to the parent's environment (REDIS_URL and DATABASE_URL removed first). */
    readonly env?: NodeJS.ProcessEnv;
    /** Node.js options before the script (for example `--max-old-space-size=…`). */
    readonly nodeOptions?: readonly string[];
    /** Where the node's stderr (its JSON log) goes: kept in memory (default), inherited, or a file descriptor. */
    readonly stderr?: 'capture' | 'inherit' | number;
    /** Also wait for the admin endpoint's line (needs `--admin-port`). */
    readonly waitForAdmin?: boolean;
    readonly readyTimeoutMs?: number;
}

export interface MediatorProcess {
    readonly url: string;
    readonly nodeId: string;
    /** The admin endpoint, when `waitForAdmin` was asked. */
    readonly adminUrl: string | undefined;
    readonly child: ChildProcess;
    /** Everything the process wrote to stderr so far (with `stderr: 'capture'`). */
    readonly stderr: () => string;
    /** Resolves with the exit code (or signal) once the process ended. */
    readonly exited: Promise<ExitStatus>;
    kill(signal?: NodeJS.Signals): void;
    /** SIGTERM (drain), then wait for the exit; SIGKILL after `killAfterMs` when given. */
    stop(killAfterMs?: number): Promise<ExitStatus>;
}

export async function spawnMediator(options: SpawnMediatorOptions): Promise<MediatorProcess> {
    const env = { ...process.env };
    delete env.REDIS_URL;
    delete env.DATABASE_URL;
    Object.assign(env, options.env);
    const stderrMode = options.stderr ?? 'capture';
    // The flags the `mediator` executable runs with, then the caller's (a later flag wins).
    const nodeFlags = [...NODE_FLAGS, ...(options.nodeOptions ?? [])];
    const child = spawn(process.execPath, [...nodeFlags, MEDIATOR_MAIN, 'serve', ...options.args], {
        env,
        stdio: ['ignore', 'pipe', stderrMode === 'capture' ? 'pipe' : stderrMode],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<ExitStatus>((resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const timeoutMs = options.readyTimeoutMs ?? READY_TIMEOUT_MS;
    const ready = await new Promise<{ url: string; nodeId: string; adminUrl: string | undefined }>(
        (resolve, reject) => {
            let stdout = '';
            const timer = setTimeout(() => {
                child.kill('SIGKILL');
                reject(new Error(`mediator did not listen within ${timeoutMs} ms:\n${stderr}`));
            }, timeoutMs);
            child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
                stdout += chunk;
                const match = LISTENING.exec(stdout);
                const admin = ADMIN_LISTENING.exec(stdout)?.[1];
                if (match === null || (options.waitForAdmin === true && admin === undefined)) return;
                clearTimeout(timer);
                resolve({ url: match[1]!, nodeId: match[2]!, adminUrl: admin });
            });
            void exited.then((exit) => {
                clearTimeout(timer);
                reject(new MediatorStartError(exit, stderr));
            });
        },
    );
    child.stdout?.resume();
    return {
        ...ready,
        child,
        stderr: () => stderr,
        exited,
        kill: (signal = 'SIGKILL') => {
            child.kill(signal);
        },
        stop: async (killAfterMs) => {
            if (child.exitCode !== null || child.signalCode !== null) return exited;
            child.kill('SIGTERM');
            const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
            const status = await exited;
            clearTimeout(timer);
            return status;
        },
    };
}
