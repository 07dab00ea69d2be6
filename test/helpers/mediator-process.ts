/**
 * Runs `mediator serve` as a separate process (the real entry point), for
 * multi-node and crash tests: port 0, the chosen port read from its first
 * line of output, and kill/stop controls.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const LISTENING = /mediator listening on (wss?:\/\/\S+) \(node (\S+)\)/u;

export interface MediatorProcess {
    readonly url: string;
    readonly nodeId: string;
    readonly child: ChildProcess;
    /** Everything the process wrote to stderr (its JSON log). */
    readonly stderr: () => string;
    /** Resolves with the exit code (or signal) once the process ended. */
    readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
    kill(signal?: NodeJS.Signals): void;
    /** SIGTERM, then wait for the exit. */
    stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The process ended before it listened: how it ended and what it wrote to stderr. */
export class MediatorStartError extends Error {
    public constructor(
        public readonly exit: { readonly code: number | null; readonly signal: NodeJS.Signals | null },
        public readonly stderr: string,
    ) {
        super(`mediator exited (${exit.code ?? exit.signal}) before listening:\n${stderr}`);
        this.name = 'MediatorStartError';
    }
}

export async function spawnMediator(
    options: {
        readonly redisUrl?: string;
        readonly databaseUrl?: string;
        readonly nodeId?: string;
        readonly args?: readonly string[];
        readonly env?: NodeJS.ProcessEnv;
    } = {},
): Promise<MediatorProcess> {
    const args = [MAIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--log-level', 'info', ...(options.args ?? [])];
    if (options.redisUrl !== undefined) args.push('--redis-url', options.redisUrl);
    if (options.databaseUrl !== undefined) args.push('--database-url', options.databaseUrl);
    if (options.nodeId !== undefined) args.push('--node-id', options.nodeId);
    const env = { ...process.env, ...options.env };
    delete env.REDIS_URL;
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const { url, nodeId } = await new Promise<{ url: string; nodeId: string }>((resolve, reject) => {
        let stdout = '';
        const timer = setTimeout(() => reject(new Error(`mediator did not start:\n${stderr}`)), 15_000);
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
            stdout += chunk;
            const match = LISTENING.exec(stdout);
            if (match !== null) {
                clearTimeout(timer);
                resolve({ url: match[1]!, nodeId: match[2]! });
            }
        });
        void exited.then((exit) => {
            clearTimeout(timer);
            reject(new MediatorStartError(exit, stderr));
        });
    });
    return {
        url,
        nodeId,
        child,
        stderr: () => stderr,
        exited,
        kill: (signal = 'SIGKILL') => {
            child.kill(signal);
        },
        stop: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            return exited;
        },
    };
}
