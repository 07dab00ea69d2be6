/**
 * The logger components receive. Structured: a message plus fields; each
 * component gets a child with a dotted tag and its own bindings (connection
 * id, shortened group id, device id). Never pass key material or payload
 * bytes as fields: `sanitize` drops byte arrays and shortens long strings as
 * a second line of defence.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
    debug(message: string, fields?: LogFields): void;
    info(message: string, fields?: LogFields): void;
    warn(message: string, fields?: LogFields): void;
    error(message: string, fields?: LogFields): void;
    child(bindings: LogFields): Logger;
}

const LEVEL_RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface LogRecord {
    readonly level: Exclude<LogLevel, 'silent'>;
    readonly time: number;
    readonly msg: string;
    readonly [field: string]: unknown;
}

/** Drops byte arrays and errors' stacks down to what is safe and useful in a log line. */
export function sanitize(value: unknown): unknown {
    if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
    if (typeof value === 'bigint') return value.toString(16).padStart(16, '0');
    if (value instanceof Error) {
        const code = (value as { code?: unknown }).code;
        return { name: value.name, message: value.message, ...(typeof code === 'string' ? { code } : {}) };
    }
    if (typeof value === 'string' && value.length > 512) return `${value.slice(0, 512)}…`;
    return value;
}

class RecordLogger implements Logger {
    public constructor(
        private readonly minimum: number,
        private readonly bindings: LogFields,
        private readonly sink: (record: LogRecord) => void,
    ) {}

    public debug(message: string, fields?: LogFields): void {
        this.write('debug', message, fields);
    }

    public info(message: string, fields?: LogFields): void {
        this.write('info', message, fields);
    }

    public warn(message: string, fields?: LogFields): void {
        this.write('warn', message, fields);
    }

    public error(message: string, fields?: LogFields): void {
        this.write('error', message, fields);
    }

    public child(bindings: LogFields): Logger {
        return new RecordLogger(this.minimum, { ...this.bindings, ...bindings }, this.sink);
    }

    private write(level: Exclude<LogLevel, 'silent'>, msg: string, fields: LogFields | undefined): void {
        if (LEVEL_RANK[level] < this.minimum) return;
        const record: Record<string, unknown> = { level, time: Date.now(), msg };
        for (const [key, value] of Object.entries(this.bindings)) record[key] = sanitize(value);
        if (fields !== undefined) for (const [key, value] of Object.entries(fields)) record[key] = sanitize(value);
        this.sink(record as LogRecord);
    }
}

/** A logger writing one JSON object per line to `write` (stderr by default in src/main.ts). */
export function createJsonLogger(level: LogLevel, write: (line: string) => void): Logger {
    return new RecordLogger(LEVEL_RANK[level], {}, (record) => write(`${JSON.stringify(record)}\n`));
}

/** A logger that keeps records in memory, for tests that assert on logs. */
export function createCapturingLogger(level: LogLevel = 'debug'): Logger & { readonly records: LogRecord[] } {
    const records: LogRecord[] = [];
    const logger = new RecordLogger(LEVEL_RANK[level], {}, (record) => records.push(record));
    return Object.assign(logger, { records });
}

export const silentLogger: Logger = new RecordLogger(LEVEL_RANK.silent, {}, () => undefined);
