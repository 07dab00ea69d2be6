/**
 * Small process helpers shared by the benchmark, chaos and test harnesses:
 * cleanups at exit, free loopback ports, waiting for a child to exit.
 */
import type { ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

const cleanups: (() => void)[] = [];
let hooked = false;

/**
 * Registers a synchronous cleanup that runs when the process exits (mocha's
 * --exit included). Returns a function that unregisters it.
 */
export function atExit(cleanup: () => void): () => void {
    cleanups.push(cleanup);
    if (!hooked) {
        hooked = true;
        process.once('exit', () => {
            for (const run of cleanups.splice(0).reverse()) {
                try {
                    run();
                } catch {
                    // Best effort: the process is ending anyway.
                }
            }
        });
    }
    return () => {
        const index = cleanups.indexOf(cleanup);
        if (index >= 0) cleanups.splice(index, 1);
    };
}

/** A port that was free on 127.0.0.1 a moment ago (callers retry when another process takes it first). */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.unref();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            const port = typeof address === 'object' && address !== null ? address.port : 0;
            server.close(() => resolve(port));
        });
    });
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

export function hasExited(child: ChildProcess): boolean {
    return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves once the child has exited (at once when it already has). */
export function exited(child: ChildProcess): Promise<void> {
    if (hasExited(child)) return Promise.resolve();
    return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
    if (hasExited(child)) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited(child);
    clearTimeout(timer);
}

/** Whether something accepts TCP connections on `host:port` (within `timeoutMs`). */
export function tcpOpen(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = createConnection({ host, port });
        socket.setTimeout(timeoutMs, () => {
            socket.destroy();
            resolve(false);
        });
        socket.once('error', () => {
            socket.destroy();
            resolve(false);
        });
        socket.once('connect', () => {
            socket.destroy();
            resolve(true);
        });
    });
}

/** A program the harness needs is not installed (the spawn failed with ENOENT). */
export class MissingBinaryError extends Error {
    public constructor(
        public readonly binary: string,
        hint: string,
    ) {
        super(`${binary} not found (ENOENT): ${hint}`);
        this.name = 'MissingBinaryError';
    }
}

/** Whether a spawn error says the program does not exist. */
export function isMissingBinary(error: unknown): boolean {
    return error instanceof Error && (error as NodeJS.ErrnoException).code === 'ENOENT';
}
