/**
 * The chaos checker: reads every device's event log (events.ts) after the
 * run has drained and proves, group by group:
 *
 * 1. No loss. Every reflection whose ReflectAck its sender received reached
 *    every other device slot of its group at least once (every slot that
 *    surely existed when it was sent: its device had had its first
 *    ServerInfo).
 * 2. Order, no gap. Per receiver and sender, the first deliveries come in
 *    increasing sender sequence number. With (1) this means no gap: an
 *    acknowledged reflection can neither be skipped nor arrive after a later
 *    one. Reflections without a ReflectAck (the connection ended first) are
 *    "in doubt": they may arrive or not, but if they do, in order.
 * 3. Group order. The mediator appends a reflection to all other slots'
 *    queues at once, so any two receivers see the reflections they both
 *    receive (from third devices) in the same relative order.
 * 4. Redeliveries. A receiver may get an item again only on a later
 *    connection, and only if its ReflectedAck for every earlier delivery was
 *    not *confirmed*. An ack is confirmed when, on the same connection, an
 *    answer arrived to a request sent after the ack (events.ts explains
 *    why that proves the mediator applied it). A redelivery inside one
 *    connection is always a violation. Within one connection reflected ids
 *    rise strictly.
 * 5. One leader at a time. A device is leader from RolePromotedToLeader until
 *    its connection ended as it observed it (or until it started closing the
 *    connection itself). Intervals of different devices of a group must not
 *    overlap.
 * 6. One lock holder at a time. A device holds the lock from
 *    BeginTransactionAck until it sends CommitTransaction (it acts under
 *    the lock no more after that: everything it did under it precedes the
 *    commit on its connection, and the mediator handles a connection's
 *    frames in order), its CommitTransactionAck, or the end of the
 *    connection; intervals of different devices must not overlap. The
 *    CommitTransactionAck itself may reach the holder after the next
 *    holder's BeginTransactionAck: the release is visible to other nodes
 *    as soon as it is stored, and the ack is one more hop.
 * 7. Close codes. A device stopped by a 41xx close, or a connection the SDK
 *    itself closed because the mediator broke the protocol, is a violation.
 * 8. Stalls and partitions. When a node is paused (SIGSTOP) or cut off from
 *    Redis for at least the presence TTL, the presences of its connections
 *    may expire and other devices may take over the leader role and the
 *    lock. For every connection of that node open when the fault began:
 *    nothing may be acknowledged to it (ReflectAck, BeginTransactionAck,
 *    CommitTransactionAck) later than one TTL after the fault began, and it
 *    must be closed (as the device observes it) within CLOSE_BOUND_MS of the
 *    node resuming (pause) or of the TTL running out (partition: the node
 *    runs and must close its devices in time). A paused node cannot tell its
 *    devices anything while it is stopped, so for (5) and (6) a role of such
 *    a connection counts until the pause began: "one leader" holds for the
 *    devices whose node is running.
 *
 * With `appendfsync everysec` a Redis SIGKILL may lose the last second of
 * writes. Then a loss (1) or a redelivery of a confirmed ack (4) is counted
 * in the loss window instead of as a violation, but only when a Redis kill
 * happened after the ReflectAck (or after the confirmed ack); everything
 * else stays a violation.
 */
import type { ChaosAction, DeviceLog, ReflectEvent, ReflectedRecord } from './events.js';

export interface CheckOptions {
    /** `everysec`: losses across Redis kills are measured, not violations. */
    readonly fsync: 'always' | 'everysec';
    /** The nodes' presence TTL, for the stall and partition checks (8); without it they are skipped. */
    readonly presenceTtlMs?: number;
}

/** How soon after a stall ends (or a partition's TTL runs out) the node's stale connections must be closed. */
export const CLOSE_BOUND_MS = 2_000;

/** A pause of a node or a partition of it from Redis, from the harness's actions. */
export interface NodeFault {
    readonly node: string;
    readonly kind: 'pause' | 'redis-partition';
    readonly start: number;
    /** Resume or heal (the end of the run when neither came). */
    readonly end: number;
}

/** Pairs the harness's pause/resume and partition/heal actions per node. */
export function nodeFaults(actions: readonly ChaosAction[], runEnd: number): NodeFault[] {
    const faults: NodeFault[] = [];
    const open = new Map<string, { kind: NodeFault['kind']; start: number }>();
    const key = (kind: NodeFault['kind'], node: string): string => `${kind}:${node}`;
    for (const action of actions) {
        const begin =
            action.kind === 'mediator-pause'
                ? 'pause'
                : action.kind === 'redis-partition'
                  ? 'redis-partition'
                  : undefined;
        const finish =
            action.kind === 'mediator-resume' || action.kind === 'mediator-kill'
                ? 'pause'
                : action.kind === 'redis-heal'
                  ? 'redis-partition'
                  : undefined;
        if (begin !== undefined) open.set(key(begin, action.target), { kind: begin, start: action.t });
        if (finish !== undefined) {
            const started = open.get(key(finish, action.target));
            if (started === undefined) continue;
            open.delete(key(finish, action.target));
            faults.push({ node: action.target, kind: finish, start: started.start, end: action.t });
        }
    }
    for (const [name, started] of open) {
        faults.push({ node: name.slice(name.indexOf(':') + 1), kind: started.kind, start: started.start, end: runEnd });
    }
    return faults;
}

export interface ViolationList {
    readonly count: number;
    readonly examples: readonly string[];
}

export interface CheckResult {
    readonly groups: number;
    readonly devices: number;
    readonly reflectionsSent: number;
    readonly reflectionsAcked: number;
    readonly reflectionsInDoubt: number;
    /** In-doubt reflections that reached at least one other slot anyway. */
    readonly inDoubtDelivered: number;
    readonly deliveries: number;
    readonly firstDeliveries: number;
    readonly redeliveries: number;
    /** Redeliveries after an unconfirmed ack (or no ack): allowed. */
    readonly redeliveriesUnconfirmed: number;
    /** Redeliveries after a confirmed ack with a Redis kill in between (everysec only). */
    readonly redeliveriesAfterRedisLoss: number;
    /** (acknowledged reflection, receiving slot) pairs never delivered. */
    readonly lost: number;
    /** Lost pairs with a Redis kill after the ReflectAck (the everysec loss window). */
    readonly lostAfterRedisKill: number;
    /** Distinct acknowledged reflections with at least one lost delivery. */
    readonly lostReflections: number;
    readonly connections: number;
    readonly failedAttempts: number;
    readonly closeCodes: Readonly<Record<string, number>>;
    readonly leaderPromotions: number;
    readonly transactionsBegun: number;
    readonly transactionsAcked: number;
    readonly transactionsRejected: number;
    readonly transactionsCommitted: number;
    readonly violations: Readonly<Record<string, ViolationList>>;
    readonly violationCount: number;
}

const MAX_EXAMPLES = 5;

class Violations {
    readonly #lists = new Map<string, { count: number; examples: string[] }>();

    public add(category: string, example: () => string): void {
        let list = this.#lists.get(category);
        if (list === undefined) this.#lists.set(category, (list = { count: 0, examples: [] }));
        list.count += 1;
        if (list.examples.length < MAX_EXAMPLES) list.examples.push(example());
    }

    public get total(): number {
        let total = 0;
        for (const list of this.#lists.values()) total += list.count;
        return total;
    }

    public toRecord(): Record<string, ViolationList> {
        return Object.fromEntries(this.#lists);
    }
}

interface Interval {
    readonly device: string;
    readonly conn: number;
    readonly start: number;
    readonly end: number;
}

/** Per connection: when it ended for the device, and the highest send number answered on it. */
interface ConnectionFacts {
    end: number;
    /** When the device itself started closing (leadership ends there). */
    localCloseAt: number | undefined;
    maxAnsweredSend: number;
}

function connectionFacts(log: DeviceLog): Map<number, ConnectionFacts> {
    const facts = new Map<number, ConnectionFacts>();
    const get = (conn: number): ConnectionFacts => {
        let fact = facts.get(conn);
        if (fact === undefined) {
            facts.set(conn, (fact = { end: Number.POSITIVE_INFINITY, localCloseAt: undefined, maxAnsweredSend: 0 }));
        }
        return fact;
    };
    for (const event of log.events) {
        switch (event.k) {
            case 'close':
                get(event.conn).end = event.t;
                break;
            case 'local-close':
                get(event.conn).localCloseAt = event.t;
                break;
            case 'reflect':
                if (event.ackT !== undefined)
                    get(event.conn).maxAnsweredSend = Math.max(get(event.conn).maxAnsweredSend, event.send);
                break;
            case 'begin-ack':
            case 'begin-rejected':
            case 'commit-ack':
                get(event.conn).maxAnsweredSend = Math.max(get(event.conn).maxAnsweredSend, event.send);
                break;
            case 'attempt':
            case 'open':
            case 'fail':
            case 'reflected':
            case 'dry':
            case 'leader':
            case 'begin':
            case 'commit':
            case 'tx-ended':
                break;
            default:
                event satisfies never;
        }
    }
    return facts;
}

/**
 * Check (8) for one device: its connections on a node that stalled or was
 * cut off from Redis for at least the TTL get no acknowledgement after the
 * TTL ran out and are closed in time.
 */
function checkStalls(
    group: number,
    log: DeviceLog,
    facts: ReadonlyMap<number, ConnectionFacts>,
    faults: readonly NodeFault[],
    ttl: number,
    runEnd: number,
    violations: Violations,
): void {
    const node = new Map<number, string>();
    const openedAt = new Map<number, number>();
    for (const event of log.events) {
        if (event.k === 'attempt') node.set(event.conn, event.node);
        else if (event.k === 'open') openedAt.set(event.conn, event.t);
    }
    for (const fault of faults) {
        const expiry = fault.start + ttl;
        const deadline = (fault.kind === 'pause' ? Math.max(fault.end, expiry) : expiry) + CLOSE_BOUND_MS;
        for (const [conn, opened] of openedAt) {
            const closed = facts.get(conn)?.localCloseAt ?? facts.get(conn)?.end ?? Number.POSITIVE_INFINITY;
            if (node.get(conn) !== fault.node || opened > fault.start || closed <= fault.start) continue;
            const what = `group ${group} device ${log.deviceId} conn ${conn} on ${fault.node}, ${fault.kind} from ${fault.start.toFixed(1)} to ${fault.end.toFixed(1)}`;
            for (const event of log.events) {
                if (!('conn' in event) || event.conn !== conn) continue;
                const answeredAt =
                    event.k === 'reflect'
                        ? event.ackT
                        : event.k === 'begin-ack' || event.k === 'commit-ack'
                          ? event.t
                          : undefined;
                if (answeredAt !== undefined && answeredAt > expiry) {
                    violations.add(
                        "acknowledged after its node's presence could have expired",
                        () =>
                            `${what}: ${event.k} answered at ${answeredAt.toFixed(1)}, TTL ran out at ${expiry.toFixed(1)}`,
                    );
                }
            }
            if (closed > deadline && deadline < runEnd) {
                violations.add(
                    'kept open after its presence could have expired',
                    () =>
                        `${what}: closed at ${Number.isFinite(closed) ? closed.toFixed(1) : 'never'}, due by ${deadline.toFixed(1)}`,
                );
            }
        }
    }
}

function overlaps(intervals: Interval[], category: string, group: number, violations: Violations): void {
    intervals.sort((a, b) => a.start - b.start);
    let open: Interval | undefined;
    for (const interval of intervals) {
        if (open !== undefined && interval.start < open.end && interval.device !== open.device) {
            const current = open;
            violations.add(category, () => {
                const overlapMs = (Math.min(current.end, interval.end) - interval.start).toFixed(1);
                return (
                    `group ${group}: device ${current.device} (conn ${current.conn}) from ${current.start.toFixed(1)} ` +
                    `to ${current.end.toFixed(1)} and device ${interval.device} (conn ${interval.conn}) from ` +
                    `${interval.start.toFixed(1)}: ${overlapMs} ms overlap`
                );
            });
        }
        if (open === undefined || interval.end > open.end) open = interval;
    }
}

/** Checks every group's logs; `actions` are the harness's kills and restarts. */
export function checkChaosRun(
    logs: readonly DeviceLog[],
    actions: readonly ChaosAction[],
    options: CheckOptions,
): CheckResult {
    const violations = new Violations();
    const redisKills = actions.filter((action) => action.kind === 'redis-kill').map((action) => action.t);
    const redisKilledBetween = (from: number, to: number): boolean => redisKills.some((t) => t > from && t <= to);
    const byGroup = new Map<number, DeviceLog[]>();
    for (const log of logs) {
        const list = byGroup.get(log.group) ?? [];
        list.push(log);
        byGroup.set(log.group, list);
    }
    const counts = {
        reflectionsSent: 0,
        reflectionsAcked: 0,
        reflectionsInDoubt: 0,
        inDoubtDelivered: 0,
        deliveries: 0,
        firstDeliveries: 0,
        redeliveries: 0,
        redeliveriesUnconfirmed: 0,
        redeliveriesAfterRedisLoss: 0,
        lost: 0,
        lostAfterRedisKill: 0,
        lostReflections: 0,
        connections: 0,
        failedAttempts: 0,
        leaderPromotions: 0,
        transactionsBegun: 0,
        transactionsAcked: 0,
        transactionsRejected: 0,
        transactionsCommitted: 0,
    };
    const closeCodes: Record<string, number> = {};
    const end = Math.max(0, ...actions.map((action) => action.t)) + 1;
    const ttl = options.presenceTtlMs;
    const faults = ttl === undefined ? [] : nodeFaults(actions, end).filter((fault) => fault.end - fault.start >= ttl);

    for (const [group, members] of byGroup) {
        const ids = new Set(members.map((log) => log.deviceId));
        // Sent reflections per device.
        const sent = new Map<string, Map<number, ReflectEvent>>();
        for (const log of members) {
            const own = new Map<number, ReflectEvent>();
            for (const event of log.events) if (event.k === 'reflect') own.set(event.seq, event);
            sent.set(log.deviceId, own);
        }
        // Per receiver: first-delivery order (for the group order check) and what arrived.
        const firstOrder = new Map<string, string[]>();
        const receivedBy = new Map<string, Set<string>>();
        const leaders: Interval[] = [];
        const holders: Interval[] = [];
        /** `device#conn` → the node the connection went to. */
        const nodeOf = new Map<string, string>();

        for (const log of members) {
            const device = log.deviceId;
            const facts = connectionFacts(log);
            if (ttl !== undefined && faults.length > 0) checkStalls(group, log, facts, faults, ttl, end, violations);
            for (const event of log.events)
                if (event.k === 'attempt') nodeOf.set(`${device}#${event.conn}`, event.node);
            if (log.stoppedBy !== undefined) {
                violations.add(
                    'device stopped by a 41xx close',
                    () => `group ${group} device ${device}: ${log.stoppedBy}`,
                );
            }
            const seen = new Map<string, ReflectedRecord[]>();
            const lastFirstSeq = new Map<string, number>();
            const lastIdInConn = new Map<number, number>();
            const order: string[] = [];
            let lockStart: { conn: number; t: number } | undefined;
            let leaderStart: { conn: number; t: number } | undefined;
            const closeLock = (t: number): void => {
                if (lockStart !== undefined) holders.push({ device, conn: lockStart.conn, start: lockStart.t, end: t });
                lockStart = undefined;
            };
            for (const event of log.events) {
                switch (event.k) {
                    case 'open':
                        counts.connections += 1;
                        break;
                    case 'fail':
                        counts.failedAttempts += 1;
                        closeCodes[`attempt ${event.code}`] = (closeCodes[`attempt ${event.code}`] ?? 0) + 1;
                        break;
                    case 'close': {
                        const localClose = facts.get(event.conn)?.localCloseAt;
                        closeCodes[`${event.code}`] = (closeCodes[`${event.code}`] ?? 0) + 1;
                        if (event.initiator === 'local' && localClose === undefined) {
                            violations.add(
                                'connection closed by the client SDK (mediator broke the protocol?)',
                                () =>
                                    `group ${group} device ${device} conn ${event.conn}: ${event.code} ${event.reason}`,
                            );
                        }
                        closeLock(event.t);
                        if (leaderStart !== undefined && leaderStart.conn === event.conn) {
                            leaders.push({
                                device,
                                conn: event.conn,
                                start: leaderStart.t,
                                end: localClose ?? event.t,
                            });
                            leaderStart = undefined;
                        }
                        break;
                    }
                    case 'leader':
                        counts.leaderPromotions += 1;
                        if (leaderStart !== undefined) {
                            violations.add('promoted twice on one connection', () => `group ${group} device ${device}`);
                        }
                        leaderStart = { conn: event.conn, t: event.t };
                        break;
                    case 'begin':
                        counts.transactionsBegun += 1;
                        break;
                    case 'begin-rejected':
                        counts.transactionsRejected += 1;
                        break;
                    case 'begin-ack':
                        counts.transactionsAcked += 1;
                        lockStart = { conn: event.conn, t: event.t };
                        break;
                    case 'commit':
                        // The holder acts under the lock no more once it sent CommitTransaction.
                        closeLock(event.t);
                        break;
                    case 'commit-ack':
                        counts.transactionsCommitted += 1;
                        closeLock(event.t);
                        break;
                    case 'reflected': {
                        counts.deliveries += 1;
                        const key = `${event.sender}:${event.seq}`;
                        if (event.seq < 0 || !ids.has(event.sender)) {
                            violations.add(
                                'undecryptable or foreign reflection',
                                () => `group ${group} device ${device}: ${key}`,
                            );
                            break;
                        }
                        if (event.sender === device) {
                            violations.add(
                                'own reflection reflected back',
                                () => `group ${group} device ${device}: seq ${event.seq}`,
                            );
                        }
                        const lastId = lastIdInConn.get(event.conn);
                        if (lastId !== undefined && event.id <= lastId) {
                            violations.add(
                                'reflected id not rising within a connection',
                                () =>
                                    `group ${group} device ${device} conn ${event.conn}: id ${event.id} after ${lastId}`,
                            );
                        }
                        lastIdInConn.set(event.conn, event.id);
                        const earlier = seen.get(key);
                        if (earlier === undefined) {
                            seen.set(key, [event]);
                            counts.firstDeliveries += 1;
                            order.push(key);
                            const last = lastFirstSeq.get(event.sender) ?? 0;
                            if (event.seq <= last) {
                                violations.add(
                                    'out of order (per sender)',
                                    () =>
                                        `group ${group} receiver ${device} sender ${event.sender}: seq ${event.seq} after ${last}`,
                                );
                            }
                            lastFirstSeq.set(event.sender, Math.max(last, event.seq));
                            break;
                        }
                        counts.redeliveries += 1;
                        if (earlier.some((previous) => previous.conn === event.conn)) {
                            violations.add(
                                'delivered twice on one connection',
                                () => `group ${group} receiver ${device} conn ${event.conn}: ${key}`,
                            );
                        } else {
                            const confirmed = earlier.find(
                                (previous) =>
                                    previous.ackSend !== undefined &&
                                    previous.ackSend < (facts.get(previous.conn)?.maxAnsweredSend ?? 0),
                            );
                            if (confirmed === undefined) {
                                counts.redeliveriesUnconfirmed += 1;
                            } else if (
                                options.fsync === 'everysec' &&
                                redisKilledBetween(confirmed.ackT ?? confirmed.t, event.t)
                            ) {
                                counts.redeliveriesAfterRedisLoss += 1;
                            } else {
                                violations.add(
                                    'redelivered after a confirmed ack',
                                    () =>
                                        `group ${group} receiver ${device}: ${key} (reflected id ${confirmed.id}, acked on conn ` +
                                        `${confirmed.conn} at ${(confirmed.ackT ?? 0).toFixed(1)}, again on conn ${event.conn} ` +
                                        `at ${event.t.toFixed(1)})`,
                                );
                            }
                        }
                        earlier.push(event);
                        break;
                    }
                    case 'attempt':
                    case 'local-close':
                    case 'reflect':
                    case 'dry':
                    case 'tx-ended':
                        break;
                    default:
                        event satisfies never;
                }
            }
            closeLock(end);
            if (leaderStart !== undefined) leaders.push({ device, conn: leaderStart.conn, start: leaderStart.t, end });
            firstOrder.set(device, order);
            receivedBy.set(device, new Set(seen.keys()));
        }

        // A slot exists from its device's first login: the first ServerInfo is the latest it can have been made.
        const memberSince = new Map<string, number>();
        for (const log of members) {
            const first = log.events.find((event) => event.k === 'open');
            memberSince.set(log.deviceId, first?.t ?? Number.POSITIVE_INFINITY);
        }
        // Loss, in-doubt deliveries.
        for (const [sender, own] of sent) {
            for (const reflect of own.values()) {
                counts.reflectionsSent += 1;
                const key = `${sender}:${reflect.seq}`;
                if (reflect.ackT === undefined) {
                    counts.reflectionsInDoubt += 1;
                    if ([...receivedBy.values()].some((set) => set.has(key))) counts.inDoubtDelivered += 1;
                    continue;
                }
                counts.reflectionsAcked += 1;
                let lostHere = false;
                for (const receiver of ids) {
                    if (receiver === sender || receivedBy.get(receiver)?.has(key) === true) continue;
                    // Sent before the receiver's slot surely existed: it may or may not have been a recipient.
                    if (reflect.t < (memberSince.get(receiver) ?? Number.POSITIVE_INFINITY)) continue;
                    lostHere = true;
                    counts.lost += 1;
                    const ackT = reflect.ackT;
                    if (options.fsync === 'everysec' && redisKilledBetween(ackT, end)) {
                        counts.lostAfterRedisKill += 1;
                    } else {
                        violations.add(
                            'lost (acknowledged, never delivered)',
                            () =>
                                `group ${group}: sender ${sender} seq ${reflect.seq} (acked at ${ackT.toFixed(1)}` +
                                `${reflect.inTransaction ? ', in a transaction' : ''}) never reached ${receiver}`,
                        );
                    }
                }
                if (lostHere) counts.lostReflections += 1;
            }
        }

        // Group order: any two receivers agree on the order of what they both received from third devices.
        const receivers = [...firstOrder.keys()];
        for (let a = 0; a < receivers.length; a++) {
            for (let b = a + 1; b < receivers.length; b++) {
                const first = receivers[a]!;
                const second = receivers[b]!;
                const positions = new Map<string, number>();
                (firstOrder.get(second) ?? []).forEach((key, index) => positions.set(key, index));
                let lastPosition = -1;
                let lastKey = '';
                for (const key of firstOrder.get(first) ?? []) {
                    const sender = key.slice(0, key.indexOf(':'));
                    if (sender === first || sender === second) continue;
                    const position = positions.get(key);
                    if (position === undefined) continue;
                    if (position < lastPosition) {
                        const previous = lastKey;
                        violations.add(
                            'group order differs between receivers',
                            () =>
                                `group ${group}: ${first} got ${previous} before ${key}, ${second} the other way round`,
                        );
                    }
                    if (position > lastPosition) {
                        lastPosition = position;
                        lastKey = key;
                    }
                }
            }
        }

        // A role on a paused node counts until the pause began (8).
        const untilStalled = (interval: Interval): Interval => {
            const node = nodeOf.get(`${interval.device}#${interval.conn}`);
            let stop = interval.end;
            for (const fault of faults) {
                if (fault.kind === 'pause' && fault.node === node && fault.start >= interval.start) {
                    stop = Math.min(stop, fault.start);
                }
            }
            return stop === interval.end ? interval : { ...interval, end: Math.max(interval.start, stop) };
        };
        overlaps(leaders.map(untilStalled), 'two leaders at once', group, violations);
        overlaps(holders.map(untilStalled), 'two transaction lock holders at once', group, violations);
    }

    return {
        groups: byGroup.size,
        devices: logs.length,
        ...counts,
        closeCodes,
        violations: violations.toRecord(),
        violationCount: violations.total,
    };
}
