/**
 * A TCP proxy in front of one service, under a test's or the chaos run's
 * control. Modes:
 * - forward: new and open connections pass bytes both ways;
 * - blackhole: every connection stays open, but nothing passes in either
 *   direction (new ones are accepted too): a network partition as the
 *   client sees it, with no reset and no close. The proxy stops reading,
 *   so bytes wait (in the socket buffers), none are lost, and they pass on
 *   once it forwards again, as TCP delivers after a healed partition;
 * - swallow: open connections are cut, new ones are accepted and never
 *   answered;
 * - stopped: not listening, every connection cut (the service looks down).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

type Mode = 'forward' | 'blackhole' | 'swallow';

interface Pair {
    readonly client: Socket;
    readonly upstream: Socket | undefined;
}

export class TcpProxy {
    readonly #pairs = new Set<Pair>();
    #server: Server | undefined;
    #mode: Mode = 'forward';

    readonly #target: { readonly host: string; readonly port: number };

    private constructor(
        target: { readonly host: string; readonly port: number },
        public port: number,
    ) {
        this.#target = target;
    }

    public static async start(target: { readonly host: string; readonly port: number }): Promise<TcpProxy> {
        const proxy = new TcpProxy(target, 0);
        await proxy.resume();
        return proxy;
    }

    public get mode(): Mode | 'stopped' {
        return this.#server === undefined ? 'stopped' : this.#mode;
    }

    /** Listens again (on the same port) and forwards, on new connections and on those held open. */
    public async resume(): Promise<void> {
        this.#mode = 'forward';
        for (const pair of this.#pairs) {
            pair.client.resume();
            pair.upstream?.resume();
        }
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

    /** Forwards again (alias of `resume` for a proxy that is listening). */
    public forward(): Promise<void> {
        return this.resume();
    }

    /** Keeps every connection open and passes nothing either way (a partition); bytes wait. */
    public blackhole(): void {
        this.#mode = 'blackhole';
        for (const pair of this.#pairs) {
            pair.client.pause();
            pair.upstream?.pause();
        }
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
        for (const pair of this.#pairs) {
            pair.client.destroy();
            pair.upstream?.destroy();
        }
        this.#pairs.clear();
    }

    #accept(client: Socket): void {
        client.on('error', () => undefined);
        if (this.#mode === 'swallow') {
            const pair: Pair = { client, upstream: undefined };
            this.#pairs.add(pair);
            client.once('close', () => this.#pairs.delete(pair));
            client.resume();
            return;
        }
        const upstream = createConnection(this.#target);
        upstream.on('error', () => undefined);
        const pair: Pair = { client, upstream };
        this.#pairs.add(pair);
        // In a blackhole neither side is read: bytes wait until the proxy forwards again.
        if (this.#mode === 'blackhole') {
            client.pause();
            upstream.pause();
        }
        client.on('data', (chunk: Buffer) => upstream.write(chunk));
        upstream.on('data', (chunk: Buffer) => client.write(chunk));
        const end = (): void => {
            this.#pairs.delete(pair);
            client.destroy();
            upstream.destroy();
        };
        client.once('close', end);
        upstream.once('close', end);
    }
}

/** A TCP proxy in front of the service at `url` (any scheme with host and port), and `url` pointing at it. */
export async function proxyUrl(
    url: string,
    defaultPort: number,
): Promise<{ readonly proxy: TcpProxy; readonly url: string }> {
    const target = new URL(url);
    const proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || defaultPort) });
    const proxied = new URL(target);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    return { proxy, url: proxied.toString() };
}
