/**
 * A TCP proxy in front of one service, under a test's control: it forwards,
 * swallows (accepts and never answers), or is stopped (the service looks
 * unreachable). Lets a test cut a shared server, such as the machine's
 * PostgreSQL, away from one mediator without touching it.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A TCP proxy to one target: forwards, swallows (accepts and never answers), blackholes, or is stopped. */
export class TcpProxy {
    readonly #sockets = new Set<Socket>();
    /** Forwarded connections, for blackholing them. */
    readonly #pairs = new Set<{ readonly client: Socket; readonly upstream: Socket }>();
    #server: Server | undefined;
    #mode: 'forward' | 'swallow' | 'blackhole' = 'forward';

    private constructor(
        private readonly target: { readonly host: string; readonly port: number },
        public port: number,
    ) {}

    public static async start(target: { readonly host: string; readonly port: number }): Promise<TcpProxy> {
        const proxy = new TcpProxy(target, 0);
        await proxy.resume();
        return proxy;
    }

    /**
     * Listens again (on the same port) and forwards new connections; blackholed
     * connections pass on what waited, as after a healed network partition.
     */
    public async resume(): Promise<void> {
        const wasBlackhole = this.#mode === 'blackhole';
        this.#mode = 'forward';
        if (wasBlackhole) for (const { client, upstream } of this.#pairs) this.#pipe(client, upstream);
        if (this.#server !== undefined) return;
        const server = createServer((client) => this.#accept(client));
        await new Promise<void>((resolve, reject) => {
            server.once('error', reject);
            server.listen(this.port, '127.0.0.1', () => resolve());
        });
        const address = server.address();
        if (typeof address === 'object' && address !== null) this.port = address.port;
        this.#server = server;
    }

    /** Accepts connections but passes nothing on; every open connection is cut first. */
    public swallow(): void {
        this.#mode = 'swallow';
        this.#cutAll();
    }

    /**
     * A network partition: open connections stay open, but nothing passes
     * either way (bytes wait, none are lost, until `resume`); new connections
     * are accepted and never answered.
     */
    public blackhole(): void {
        this.#mode = 'blackhole';
        for (const { client, upstream } of this.#pairs) {
            client.unpipe(upstream);
            upstream.unpipe(client);
            client.pause();
            upstream.pause();
        }
    }

    /** Stops listening and cuts every connection: the target looks unreachable. */
    public async stop(): Promise<void> {
        const server = this.#server;
        this.#server = undefined;
        this.#cutAll();
        if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
    }

    #cutAll(): void {
        for (const socket of this.#sockets) socket.destroy();
        this.#sockets.clear();
    }

    #track(socket: Socket): void {
        this.#sockets.add(socket);
        socket.on('error', () => undefined);
        socket.once('close', () => this.#sockets.delete(socket));
    }

    #accept(client: Socket): void {
        this.#track(client);
        if (this.#mode !== 'forward') return;
        const upstream = createConnection(this.target);
        this.#track(upstream);
        const pair = { client, upstream };
        this.#pairs.add(pair);
        this.#pipe(client, upstream);
        client.once('close', () => upstream.destroy());
        upstream.once('close', () => {
            client.destroy();
            this.#pairs.delete(pair);
        });
    }

    #pipe(client: Socket, upstream: Socket): void {
        client.pipe(upstream);
        upstream.pipe(client);
    }
}

/** A TCP proxy in front of PostgreSQL at `databaseUrl`, and the same URL pointing at the proxy. */
export async function proxyDatabase(databaseUrl: string): Promise<{ readonly proxy: TcpProxy; readonly url: string }> {
    const target = new URL(databaseUrl);
    const proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    const proxied = new URL(target);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    return { proxy, url: proxied.toString() };
}
