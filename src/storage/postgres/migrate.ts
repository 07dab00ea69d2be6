/**
 * Schema migrations: numbered files `migrations/NNNN_<name>.sql`, applied in
 * order, each once, recorded in `schema_migrations`. `migrate` runs them all
 * in one transaction under an advisory lock, so concurrent starts of several
 * nodes apply each migration exactly once, and a failing migration leaves
 * nothing behind. Called by the `mediator migrate` command and, when asked,
 * by server start-up.
 */
import { readdirSync } from 'node:fs';
import { StorageError } from '../../errors.js';
import type { Database } from './db.js';
import { toPgStorageError } from './errors.js';
import { loadQueryFile, SQL, type QueryFile } from './sql.js';

export interface Migration {
    readonly version: number;
    readonly name: string;
    readonly file: QueryFile;
}

const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/u;
const MIGRATIONS_DIRECTORY = new URL('./migrations/', import.meta.url);

let cached: readonly Migration[] | undefined;

/** The schema the database was created for (see `createDatabase`), undefined for the default. */
function schemaOf(db: Database): string | undefined {
    const context: unknown = db.$dc;
    const schema =
        typeof context === 'object' && context !== null ? (context as { schema?: unknown }).schema : undefined;
    return typeof schema === 'string' ? schema : undefined;
}

/** Every migration, in version order (read once; throws when a file does not parse). */
export function listMigrations(): readonly Migration[] {
    if (cached !== undefined) return cached;
    const migrations: Migration[] = [];
    for (const entry of readdirSync(MIGRATIONS_DIRECTORY).sort()) {
        const match = MIGRATION_FILE.exec(entry);
        if (match === null) continue;
        const version = Number(match[1]);
        if (migrations.some((migration) => migration.version === version)) {
            throw new StorageError(`two migrations with version ${version}`, { retryable: false });
        }
        // As written: pg-minify does not support the dollar quotes of function bodies.
        const file = loadQueryFile(new URL(entry, MIGRATIONS_DIRECTORY), { minify: false });
        migrations.push({ version, name: entry, file });
    }
    cached = migrations;
    return migrations;
}

/** Applies every pending migration; idempotent. Resolves the file names applied by this call, in order. */
export async function migrate(db: Database): Promise<readonly string[]> {
    const schema = schemaOf(db);
    try {
        return await db.tx('migrate', async (t) => {
            await t.one(SQL.migrations.lock, { schema: schema ?? '' });
            if (schema !== undefined) await t.none(SQL.migrations.createSchema, { schema });
            await t.none(SQL.migrations.createTable);
            const done = new Set((await t.any<{ version: number }>(SQL.migrations.listApplied)).map((r) => r.version));
            const applied: string[] = [];
            for (const migration of listMigrations()) {
                if (done.has(migration.version)) continue;
                await t.none(migration.file);
                await t.none(SQL.migrations.record, { version: migration.version, name: migration.name });
                applied.push(migration.name);
            }
            return applied;
        });
    } catch (error) {
        throw toPgStorageError('database migration', error);
    }
}

/** Migrations not yet applied (all of them when the bookkeeping table does not exist). */
export async function pendingMigrations(db: Database): Promise<readonly string[]> {
    try {
        return await db.task('pending-migrations', async (t) => {
            const { exists } = await t.one<{ exists: boolean }>(SQL.migrations.tableExists);
            const done = new Set<number>();
            if (exists) {
                for (const row of await t.any<{ version: number }>(SQL.migrations.listApplied)) done.add(row.version);
            }
            return listMigrations()
                .filter((migration) => !done.has(migration.version))
                .map((migration) => migration.name);
        });
    } catch (error) {
        throw toPgStorageError('reading applied migrations', error);
    }
}
