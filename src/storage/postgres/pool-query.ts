/**
 * Named statements sent on a database's pool by the driver (pg) alone,
 * without pg-promise's per-query layer (its connection wrapper, context,
 * events and formatting checks): for the statements every login and logout
 * sends. The pool's connections get the schema as their search_path at
 * connect (db.ts), so these see the same tables as pg-promise's queries.
 */

/** A statement the driver prepares once per connection (its name) and binds the values into. */
export interface NamedStatement {
    readonly name: string;
    readonly text: string;
    readonly values: readonly unknown[];
}

/** What is used of a database: its pg pool (pg-promise's `$pool`). */
export interface PooledDatabase {
    readonly $pool: unknown;
}

/** Runs the statement on a pooled connection; resolves its rows. */
export async function poolQuery<Row>(db: PooledDatabase, statement: NamedStatement): Promise<Row[]> {
    const pool = db.$pool as { query(config: NamedStatement): Promise<{ rows: Row[] }> };
    return (await pool.query(statement)).rows;
}
