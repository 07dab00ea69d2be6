/**
 * The logger components receive. Structured: a message plus fields; each
 * component gets a child with its own bindings (connection id, shortened
 * group id, device id). Never pass key material or payload bytes as fields:
 * every implementation runs fields and bindings through `sanitizeFields`
 * (sanitize.ts) as a second line of defence.
 *
 * Implementations: the pino-backed JSON logger for the server
 * (pino-logger.ts), a capturing logger for tests, and a silent one.
 */
import { sanitizeFields } from './sanitize.js';
import type { Logger, LogFields, LogLevel } from './types.js';

export { sanitize, sanitizeFields } from './sanitize.js';
export { createJsonLogger, createPinoLogger, type PinoLoggerOptions } from './pino-logger.js';

export type { Logger, LogFields, LogLevel } from './types.js';

export const LEVEL_RANK: Readonly<Record<LogLevel, number>> = {
    debug: 20,
    info: 30,
    warn: 40,
    error: 50,
    silent: Infinity,
};

export interface LogRecord {
    readonly level: Exclude<LogLevel, 'silent'>;
    readonly time: number;
    readonly msg: string;
    readonly [field: string]: unknown;
}

class RecordLogger implements Logger {
    readonly #minimum: number;
    readonly #bindings: LogFields;
    readonly #sink: (record: LogRecord) => void;

    public constructor(minimum: number, bindings: LogFields, sink: (record: LogRecord) => void) {
        this.#minimum = minimum;
        this.#bindings = bindings;
        this.#sink = sink;
    }

    public debug(message: string, fields?: LogFields): void {
        this.#write('debug', message, fields);
    }

    public info(message: string, fields?: LogFields): void {
        this.#write('info', message, fields);
    }

    public warn(message: string, fields?: LogFields): void {
        this.#write('warn', message, fields);
    }

    public error(message: string, fields?: LogFields): void {
        this.#write('error', message, fields);
    }

    public child(bindings: LogFields): Logger {
        // A logger that writes nothing has nothing to bind (one child per connection otherwise).
        if (this.#minimum === Infinity) return this;
        return new RecordLogger(this.#minimum, { ...this.#bindings, ...sanitizeFields(bindings) }, this.#sink);
    }

    #write(level: Exclude<LogLevel, 'silent'>, msg: string, fields: LogFields | undefined): void {
        if (LEVEL_RANK[level] < this.#minimum) return;
        const record = { level, time: Date.now(), msg, ...this.#bindings, ...sanitizeFields(fields ?? {}) };
        this.#sink(record);
    }
}

/** A logger that keeps records in memory, for tests that assert on logs. */
export function createCapturingLogger(level: LogLevel = 'debug'): Logger & { readonly records: LogRecord[] } {
    const records: LogRecord[] = [];
    const logger = new RecordLogger(LEVEL_RANK[level], {}, (record) => records.push(record));
    return Object.assign(logger, { records });
}

export const silentLogger: Logger = new RecordLogger(LEVEL_RANK.silent, {}, () => undefined);
