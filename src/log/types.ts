/**
 * The logger components receive, and its level and field types. In a file
 * of their own so that the implementations (logger.ts, pino-logger.ts) and
 * the sanitizer they share depend on the types, not on each other.
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
