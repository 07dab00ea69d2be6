/**
 * The PostgreSQL connection layer: pg-promise initialised once for the
 * process, the repositories attached to every database, task and
 * transaction object through `extend` (so `t.slots` works inside `db.tx`),
 * and the mapping from PostgreSQL failures to `StorageError`.
 *
 * Each `createDatabase` call makes its own pool. Its optional schema is set
 * as the search_path of every connection the pool opens, so the SQL files
 * stay unqualified and tests can use a fresh schema per run.
 */
import pgPromise from 'pg-promise';
import { ConfigError } from '../../errors.js';
import { DeviceGroupsRepository } from './repos/device-groups.js';
import { DeviceSlotsRepository } from './repos/device-slots.js';
import { PolicyOverridesRepository } from './repos/policy-overrides.js';
import { SharedDataRepository } from './repos/shared-data.js';
import { TombstonesRepository } from './repos/tombstones.js';

export interface Repositories {
    readonly groups: DeviceGroupsRepository;
    readonly slots: DeviceSlotsRepository;
    readonly sharedData: SharedDataRepository;
    readonly policies: PolicyOverridesRepository;
    readonly tombstones: TombstonesRepository;
}

export type Database = pgPromise.IDatabase<Repositories> & Repositories;

export interface DatabaseOptions {
    /** Schema for every table (created by `migrate`); default: the server's search_path (public). */
    readonly schema?: string | undefined;
    /** Pool size; default 10. */
    readonly maxConnections?: number | undefined;
    /** Shown in pg_stat_activity; default `d2m-mediator`. */
    readonly applicationName?: string | undefined;
    /**
     * A query unanswered this long fails (pg's `query_timeout`; the call
     * rejects with a retryable StorageError). Default: no limit.
     */
    readonly queryTimeoutMs?: number | undefined;
    /** Getting a pooled connection (connecting included) may take this long; default: no limit. */
    readonly connectTimeoutMs?: number | undefined;
    /** Errors of idle pooled connections (the pool replaces them). */
    readonly onError?: ((error: unknown) => void) | undefined;
}

/** The database context (`dc`) of each pool: what the init options below read. */
interface DatabaseContext {
    readonly schema: string | undefined;
    readonly onError: ((error: unknown) => void) | undefined;
    /**
     * Every call makes its own pool on purpose (several nodes in one test
     * process, the migrate command next to a server); the serial keeps
     * pg-promise from warning about a duplicate database object.
     */
    readonly instance: number;
}

let instances = 0;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/u;
const DEFAULT_MAX_CONNECTIONS = 10;

function contextOf(dc: unknown): DatabaseContext | undefined {
    return typeof dc === 'object' && dc !== null ? (dc as DatabaseContext) : undefined;
}

const pgp = pgPromise<Repositories>({
    schema: (dc: unknown) => contextOf(dc)?.schema,
    extend(obj: pgPromise.IDatabase<Repositories> & Repositories) {
        const target = obj as unknown as Record<keyof Repositories, unknown>;
        target.groups = new DeviceGroupsRepository(obj);
        target.slots = new DeviceSlotsRepository(obj);
        target.sharedData = new SharedDataRepository(obj);
        target.policies = new PolicyOverridesRepository(obj);
        target.tombstones = new TombstonesRepository(obj);
    },
    error(error: unknown, event: pgPromise.IEventContext) {
        // Only errors without a query context come from the pool itself; query errors reject their call.
        if (event.query === undefined) contextOf(event.dc)?.onError?.(error);
    },
});

export function createDatabase(url: string, options: DatabaseOptions = {}): Database {
    const { schema } = options;
    if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
        throw new ConfigError([`invalid PostgreSQL schema name ${JSON.stringify(schema)}: use [a-z_][a-z0-9_]*`]);
    }
    if (schema !== undefined && /[?&]options=/u.test(url)) {
        // The URL's options would replace the search_path option below (pg lets the URL win).
        throw new ConfigError(['a PostgreSQL schema cannot be combined with options= in the database URL']);
    }
    instances += 1;
    const context: DatabaseContext = { schema, onError: options.onError, instance: instances };
    return pgp(
        {
            connectionString: url,
            max: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
            application_name: options.applicationName ?? 'd2m-mediator',
            query_timeout: options.queryTimeoutMs,
            connectionTimeoutMillis: options.connectTimeoutMs,
            // Probes an idle connection whose peer vanished, so the pool finds out.
            keepAlive: true,
            // The schema as every connection's search_path from its start (the server applies it
            // before the first query), also for the statements sent on the pool directly
            // (pool-query.ts), which pg-promise's own per-connection SET does not see first.
            ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
        },
        context,
    );
}

/** Ends the database's pool; repeated calls do nothing. */
export async function closeDatabase(db: Database): Promise<void> {
    const pool = db.$pool as { ended?: boolean; end(): Promise<void> };
    if (pool.ended === true) return;
    await pool.end();
}

export { pgp };
