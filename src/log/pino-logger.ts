/**
 * The server's logger: pino, writing one JSON object per line, behind the
 * project's `Logger` interface. Every field and binding passes through
 * `sanitizeFields` before pino sees it; children become pino children on
 * their first line, so a connection's bindings (connection id, shortened
 * group id, device id) are serialized once and repeated on each of its lines.
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

/**
 * A logger over `root` with `bindings` (already sanitized). The pino child
 * that carries the bindings is made on the first line actually written, not
 * per `child` call: a connection gets two children on its way in (connection,
 * then device), and at the usual levels most connections write no line of
 * their own, so most of those children would be serialized for nothing.
 */
class PinoLogger implements Logger {
    readonly #root: pino.Logger;
    readonly #bindings: LogFields | undefined;
    #pino: pino.Logger | undefined;

    public constructor(root: pino.Logger, bindings?: LogFields) {
        this.#root = root;
        this.#bindings = bindings;
        this.#pino = bindings === undefined ? root : undefined;
    }

    public debug(message: string, fields?: LogFields): void {
        if (this.#root.isLevelEnabled('debug')) this.#logger().debug(sanitizeFields(fields ?? {}), message);
    }

    public info(message: string, fields?: LogFields): void {
        if (this.#root.isLevelEnabled('info')) this.#logger().info(sanitizeFields(fields ?? {}), message);
    }

    public warn(message: string, fields?: LogFields): void {
        if (this.#root.isLevelEnabled('warn')) this.#logger().warn(sanitizeFields(fields ?? {}), message);
    }

    public error(message: string, fields?: LogFields): void {
        if (this.#root.isLevelEnabled('error')) this.#logger().error(sanitizeFields(fields ?? {}), message);
    }

    public child(bindings: LogFields): Logger {
        return new PinoLogger(this.#root, { ...this.#bindings, ...sanitizeFields(bindings) });
    }

    #logger(): pino.Logger {
        this.#pino ??= this.#root.child(this.#bindings ?? {});
        return this.#pino;
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
