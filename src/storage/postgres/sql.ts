/**
 * Every SQL statement of the PostgreSQL store, loaded once at start-up from
 * `sql/<aggregate>/<op>.sql` next to the compiled code as minified
 * `QueryFile`s with named parameters (`${name}`). A file that is missing or
 * does not parse fails the import, so the process stops at start-up rather
 * than on first use.
 */
import { fileURLToPath } from 'node:url';
import pgPromise from 'pg-promise';
import { StorageError } from '../../errors.js';

export type QueryFile = pgPromise.QueryFile;

/**
 * Loads one file relative to this module, as a QueryFile (minified unless
 * `minify` is false); throws when it does not parse.
 */
export function loadQueryFile(url: URL, { minify = true }: { readonly minify?: boolean } = {}): QueryFile {
    const file = new pgPromise.QueryFile(fileURLToPath(url), { minify, noWarnings: true });
    // QueryFile keeps a read or minify failure in `error` instead of throwing.
    if (file.error !== undefined) {
        throw new StorageError(`cannot load SQL file ${file.file}: ${file.error.message}`, {
            cause: file.error,
            retryable: false,
        });
    }
    return file;
}

/** The minified text of a file, for statements the driver binds (`$1`, ...) without pg-promise. */
export function statementText(file: QueryFile): string {
    const render = (file as unknown as Record<symbol, ((self: QueryFile) => unknown) | undefined>)[
        pgPromise.as.ctf.toPostgres
    ];
    const text = render?.call(file, file);
    if (typeof text !== 'string') {
        throw new StorageError(`cannot read SQL file ${file.file}`, { cause: file.error, retryable: false });
    }
    return text;
}

function sql(path: string): QueryFile {
    return loadQueryFile(new URL(`./sql/${path}`, import.meta.url));
}

export const SQL = {
    migrations: {
        lock: sql('migrations/lock.sql'),
        createSchema: sql('migrations/create-schema.sql'),
        createTable: sql('migrations/create-table.sql'),
        tableExists: sql('migrations/table-exists.sql'),
        listApplied: sql('migrations/list-applied.sql'),
        record: sql('migrations/record.sql'),
    },
    deviceGroups: {
        insertIfAbsent: sql('device-groups/insert-if-absent.sql'),
        lock: sql('device-groups/lock.sql'),
        delete: sql('device-groups/delete.sql'),
        listWithSlots: sql('device-groups/list-with-slots.sql'),
    },
    deviceSlots: {
        listByGroup: sql('device-slots/list-by-group.sql'),
        get: sql('device-slots/get.sql'),
        login: sql('device-slots/login.sql'),
        loginMany: sql('device-slots/login-many.sql'),
        delete: sql('device-slots/delete.sql'),
        recordDisconnect: sql('device-slots/record-disconnect.sql'),
        expiryCandidates: sql('device-slots/expiry-candidates.sql'),
    },
    sharedData: {
        get: sql('shared-data/get.sql'),
        set: sql('shared-data/set.sql'),
    },
    policyOverrides: {
        get: sql('policy-overrides/get.sql'),
        set: sql('policy-overrides/set.sql'),
        delete: sql('policy-overrides/delete.sql'),
    },
    tombstones: {
        upsert: sql('tombstones/upsert.sql'),
        delete: sql('tombstones/delete.sql'),
        purgeExpired: sql('tombstones/purge-expired.sql'),
    },
} as const;
