/**
 * Admission of new WebSocket connections, decided before the upgrade is
 * accepted. Three counts are kept on this node:
 *
 * - unauthenticated connections (from the upgrade until the session has
 *   verified the device's ClientHello) per remote address, and in total;
 * - connections per device group (the group id is in the ClientUrlInfo of
 *   the URL path), authenticated or not.
 *
 * `check` says whether one more connection fits; `admit` counts it and
 * returns a ticket that the connection moves to `authenticated` once its
 * ClientHello verified and `release`s when it closes. Each limit of 0 is
 * off. Addresses are grouped the way one client usually holds them: an
 * IPv4 address (IPv4-mapped IPv6 included) alone, an IPv6 address by its
 * /64 prefix.
 */

export interface ConnectionLimitOptions {
    /** Unauthenticated connections per remote address (IPv6: per /64); 0: off. */
    readonly maxUnauthenticatedPerIp: number;
    /** Unauthenticated connections on this node; 0: off. */
    readonly maxUnauthenticated: number;
    /** Connections per device group on this node; 0: off. */
    readonly maxConnectionsPerGroup: number;
}

/** Why an upgrade was refused. */
export type RefusalReason = 'unauthenticated-per-ip' | 'unauthenticated-total' | 'group-connections' | 'draining';

export const REFUSAL_REASONS: readonly RefusalReason[] = [
    'unauthenticated-per-ip',
    'unauthenticated-total',
    'group-connections',
    'draining',
];

/**
 * The HTTP status an upgrade refused for `reason` is answered with: 429 when
 * the client (its address or its group) asks for too much, 503 when the
 * node as a whole cannot take it.
 */
export function refusalStatus(reason: RefusalReason): 429 | 503 {
    return reason === 'unauthenticated-per-ip' || reason === 'group-connections' ? 429 : 503;
}

/** The key that connections of `address` are counted under. */
export function addressKey(address: string): string {
    const text = address.trim().toLowerCase();
    if (!text.includes(':')) return text;
    const groups = expandIpv6(text);
    if (groups === undefined) return text;
    // IPv4-mapped (::ffff:127.0.0.1, or in hex groups as uWS may print it).
    if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
        const high = groups[6]!;
        const low = groups[7]!;
        return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
    }
    return `${groups
        .slice(0, 4)
        .map((group) => group.toString(16))
        .join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, or undefined when it is not one. */
function expandIpv6(text: string): number[] | undefined {
    const halves = text.split('::');
    if (halves.length > 2) return undefined;
    const parse = (part: string | undefined): number[] | undefined => {
        if (part === undefined || part === '') return [];
        const groups: number[] = [];
        for (const group of part.split(':')) {
            const ipv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/u.exec(group);
            if (ipv4 !== null) {
                const [a, b, c, d] = ipv4.slice(1).map(Number) as [number, number, number, number];
                groups.push((a << 8) | b, (c << 8) | d);
            } else if (/^[0-9a-f]{1,4}$/u.test(group)) {
                groups.push(Number.parseInt(group, 16));
            } else {
                return undefined;
            }
        }
        return groups;
    };
    const head = parse(halves[0]);
    const tail = parse(halves[1]);
    if (head === undefined || tail === undefined) return undefined;
    if (halves.length === 1) return head.length === 8 ? head : undefined;
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/** One admitted connection's share of the counts. */
export interface ConnectionTicket {
    /** The connection's ClientHello verified: it no longer counts as unauthenticated. Idempotent. */
    authenticated(): void;
    /** The connection closed. Idempotent. */
    release(): void;
}

export class ConnectionLimits {
    readonly #options: ConnectionLimitOptions;
    readonly #unauthenticatedByAddress = new Map<string, number>();
    readonly #byGroup = new Map<string, number>();
    #unauthenticated = 0;

    public constructor(options: ConnectionLimitOptions) {
        this.#options = options;
    }

    /** Unauthenticated connections now. */
    public get unauthenticated(): number {
        return this.#unauthenticated;
    }

    /** Connections of `groupId` now. */
    public groupConnections(groupId: string): number {
        return this.#byGroup.get(groupId) ?? 0;
    }

    /** Unauthenticated connections from `address` now. */
    public unauthenticatedFrom(address: string): number {
        return this.#unauthenticatedByAddress.get(addressKey(address)) ?? 0;
    }

    /** The limit one more connection from `address` to `groupId` would exceed, or undefined when it fits. */
    public check(address: string, groupId: string | undefined): RefusalReason | undefined {
        const { maxUnauthenticatedPerIp, maxUnauthenticated, maxConnectionsPerGroup } = this.#options;
        if (maxUnauthenticated > 0 && this.#unauthenticated >= maxUnauthenticated) return 'unauthenticated-total';
        if (maxUnauthenticatedPerIp > 0 && this.unauthenticatedFrom(address) >= maxUnauthenticatedPerIp) {
            return 'unauthenticated-per-ip';
        }
        if (
            maxConnectionsPerGroup > 0 &&
            groupId !== undefined &&
            this.groupConnections(groupId) >= maxConnectionsPerGroup
        ) {
            return 'group-connections';
        }
        return undefined;
    }

    /** Counts a new unauthenticated connection (whether or not `check` passed: it is open). */
    public admit(address: string, groupId: string | undefined): ConnectionTicket {
        const key = addressKey(address);
        increment(this.#unauthenticatedByAddress, key);
        this.#unauthenticated++;
        if (groupId !== undefined) increment(this.#byGroup, groupId);
        let unauthenticated = true;
        let released = false;
        const leaveUnauthenticated = (): void => {
            if (!unauthenticated) return;
            unauthenticated = false;
            decrement(this.#unauthenticatedByAddress, key);
            this.#unauthenticated--;
        };
        return {
            authenticated: () => {
                if (!released) leaveUnauthenticated();
            },
            release: () => {
                if (released) return;
                released = true;
                leaveUnauthenticated();
                if (groupId !== undefined) decrement(this.#byGroup, groupId);
            },
        };
    }
}

function increment(counts: Map<string, number>, key: string): void {
    counts.set(key, (counts.get(key) ?? 0) + 1);
}

function decrement(counts: Map<string, number>, key: string): void {
    const count = (counts.get(key) ?? 0) - 1;
    if (count > 0) counts.set(key, count);
    else counts.delete(key);
}
