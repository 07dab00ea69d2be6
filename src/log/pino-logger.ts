/**
 * The server's logger: pino, writing one JSON object per line, behind the
 * project's `Logger` interface. Every field and binding passes through
 * `sanitizeFields` before pino sees it; children are pino children, so a
 * connection's bindings (connection id, shortened group id, device id) are
 * serialized once and repeated on each of its lines.
 *
 * A line: `{"level":"info","time":<unix ms>,"node":"n1a2b","conn":"...",
 * "group":"a1b2c3d4","device":"00000000000004d2","msg":"device logged in",...}`.
 */
import { pino } from 'pino';
import type { Logger, LogFields, LogLevel } from './types.js';
import { sanitizeFields } from './sanitize.js';

export interface PinoLoggerOptions {
    readonly level: LogLevel;
    /** Where lines go; default: stderr, written synchronously (no line is lost at exit). */
    readonly destination?: pino.DestinationStream;
    /** Fields on every line; default: none (the node id is bound by the server). */
    readonly base?: LogFields;
}

class PinoLogger implements Logger {
    readonly #pino: pino.Logger;

    public constructor(logger: pino.Logger) {
        this.#pino = logger;
    }

    public debug(message: string, fields?: LogFields): void {
        if (this.#pino.isLevelEnabled('debug')) this.#pino.debug(sanitizeFields(fields ?? {}), message);
    }

    public info(message: string, fields?: LogFields): void {
        if (this.#pino.isLevelEnabled('info')) this.#pino.info(sanitizeFields(fields ?? {}), message);
    }

    public warn(message: string, fields?: LogFields): void {
        if (this.#pino.isLevelEnabled('warn')) this.#pino.warn(sanitizeFields(fields ?? {}), message);
    }

    public error(message: string, fields?: LogFields): void {
        if (this.#pino.isLevelEnabled('error')) this.#pino.error(sanitizeFields(fields ?? {}), message);
    }

    public child(bindings: LogFields): Logger {
        return new PinoLogger(this.#pino.child(sanitizeFields(bindings)));
    }
}

/** A pino-backed JSON logger. */
export function createPinoLogger(options: PinoLoggerOptions): Logger {
    const destination = options.destination ?? pino.destination({ fd: 2, sync: true });
    const logger = pino(
        {
            level: options.level,
            base: options.base === undefined ? undefined : sanitizeFields(options.base),
            timestamp: pino.stdTimeFunctions.epochTime,
            formatters: { level: (label) => ({ level: label }) },
            // Fields are sanitized above; pino's own serializers must not expand anything again.
            serializers: {},
        },
        destination,
    );
    return new PinoLogger(logger);
}

/** A pino-backed logger writing one JSON line per record to `write`. */
export function createJsonLogger(level: LogLevel, write: (line: string) => void): Logger {
    return createPinoLogger({ level, destination: { write } });
}
