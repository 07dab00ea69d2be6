/**
 * A TCP proxy in front of one service (scripts/lib/tcp-proxy.ts): lets a
 * test cut a server away from one mediator, or partition it, without
 * touching the server.
 */
import { proxyUrl, TcpProxy } from '../../scripts/lib/tcp-proxy.js';

export { TcpProxy };

/** PostgreSQL's default port, for a URL that names none. */
const POSTGRES_DEFAULT_PORT = 5432;

/** A TCP proxy in front of PostgreSQL at `databaseUrl`, and the same URL pointing at the proxy. */
export function proxyDatabase(databaseUrl: string): Promise<{ readonly proxy: TcpProxy; readonly url: string }> {
    return proxyUrl(databaseUrl, POSTGRES_DEFAULT_PORT);
}
