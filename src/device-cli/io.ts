/**
 * Where the device CLI writes and how it ends: text sinks for output and
 * diagnostics, the exit status, and an optional abort signal that stops
 * long-running commands (`listen`, a held `transaction`) cleanly.
 */
import { explain } from './errors.js';

/** Anything text can be written to (a process stream, a test's capture). */
export interface TextSink {
    write(text: string): unknown;
}

export interface DeviceCliIo {
    /** Events and results. Default: process.stdout. */
    readonly stdout?: TextSink;
    /** Diagnostics, warnings and errors. Default: process.stderr. */
    readonly stderr?: TextSink;
    /** Receives the exit status when a command ends with one other than 0. Default: sets process.exitCode. */
    readonly setExitCode?: (code: number) => void;
    /**
     * Aborting stops `listen` (closing its connection with 1000) and ends a
     * held `transaction` early (it still commits). Without it, Ctrl-C ends the
     * process and the mediator sees the connection drop.
     */
    readonly signal?: AbortSignal;
}

/** {@link DeviceCliIo} with its defaults filled in. */
export interface CliIo {
    readonly stdout: TextSink;
    readonly stderr: TextSink;
    readonly setExitCode: (code: number) => void;
    readonly signal: AbortSignal | undefined;
}

export function resolveIo(io: DeviceCliIo = {}): CliIo {
    return {
        stdout: io.stdout ?? process.stdout,
        stderr: io.stderr ?? process.stderr,
        setExitCode:
            io.setExitCode ??
            ((code) => {
                process.exitCode = code;
            }),
        signal: io.signal,
    };
}

/**
 * Runs one command: an error becomes `mediator device <name>: <message>` on
 * stderr and exit status 2 (usage) or 1 (failure). `url` names the mediator
 * in connection errors.
 */
export async function runCommand(
    io: CliIo,
    name: string,
    url: string | undefined,
    run: () => Promise<void>,
): Promise<void> {
    try {
        await run();
    } catch (error) {
        const { message, exitCode } = explain(error, url);
        io.stderr.write(`mediator device ${name}: ${message}\n`);
        io.setExitCode(exitCode);
    }
}

/** Resolves after `ms`, or at once when `signal` is aborted; true when the full time passed. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
    if (signal?.aborted === true) return Promise.resolve(false);
    return new Promise((resolve) => {
        const onAbort = (): void => {
            clearTimeout(timer);
            resolve(false);
        };
        const timer = setTimeout(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve(true);
        }, ms);
        signal?.addEventListener('abort', onAbort, { once: true });
    });
}
