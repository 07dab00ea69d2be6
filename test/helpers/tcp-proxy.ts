/**
 * A TCP proxy in front of one service, under a test's control: it forwards,
 * swallows (accepts and never answers), or is stopped (the service looks
 * unreachable). Lets a test cut a shared server, such as the machine's
 * PostgreSQL, away from one mediator without touching it.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A TCP proxy to one target: forwards, swallows (accepts and never answers), or is stopped. */
export class TcpProxy {
    readonly #sockets = new Set<Socket>();
    #server: Server | undefined;
    #mode: 'forward' | 'swallow' = 'forward';

    private constructor(
        private readonly target: { readonly host: string; readonly port: number },
        public port: number,
    ) {}

    public static async start(target: { readonly host: string; readonly port: number }): Promise<TcpProxy> {
        const proxy = new TcpProxy(target, 0);
        await proxy.resume();
        return proxy;
    }

    /** Listens again (on the same port) and forwards new connections. */
    public async resume(): Promise<void> {
        this.#mode = 'forward';
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
        if (this.#mode === 'swallow') return;
        const upstream = createConnection(this.target);
        this.#track(upstream);
        client.pipe(upstream);
        upstream.pipe(client);
        client.once('close', () => upstream.destroy());
        upstream.once('close', () => client.destroy());
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
