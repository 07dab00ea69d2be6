/**
 * Storage latency: wraps the stores of a backend so that every
 * asynchronous call is timed into one histogram labelled by store,
 * operation and result. The wrappers keep the stores' behaviour exactly:
 * same arguments, same results, same errors, same `this` (the real store,
 * so private fields keep working). The composition root decides whether a
 * backend is instrumented; the core never knows.
 */
import type { Histogram } from 'prom-client';
import type { StorageBackend } from '../storage/backend.js';

export type StoreName = 'groups' | 'queue' | 'coordinator' | 'logins';

type StorageHistogram = Histogram<'store' | 'operation' | 'result'>;

function isThenable(value: unknown): value is PromiseLike<unknown> {
    return (
        (typeof value === 'object' || typeof value === 'function') &&
        value !== null &&
        typeof (value as { then?: unknown }).then === 'function'
    );
}

/** `target` with every method that returns a promise timed into `histogram`. */
export function timeStore<T extends object>(target: T, store: StoreName, histogram: StorageHistogram): T {
    const wrapped = new Map<PropertyKey, unknown>();
    return new Proxy(target, {
        get(object, property) {
            const value: unknown = Reflect.get(object, property, object);
            if (typeof value !== 'function' || property === 'constructor') return value;
            let method = wrapped.get(property);
            if (method === undefined) {
                const operation = String(property);
                const original = value as (...args: unknown[]) => unknown;
                method = (...args: unknown[]): unknown => {
                    const started = performance.now();
                    const result = original.apply(object, args);
                    if (!isThenable(result)) return result;
                    const observe = (outcome: 'ok' | 'error'): void => {
                        histogram.observe({ store, operation, result: outcome }, (performance.now() - started) / 1000);
                    };
                    return Promise.resolve(result).then(
                        (resolved) => {
                            observe('ok');
                            return resolved;
                        },
                        (error: unknown) => {
                            observe('error');
                            throw error;
                        },
                    );
                };
                wrapped.set(property, method);
            }
            return method;
        },
    });
}

/** The backend with its stores timed; `health` and `close` pass through untimed. */
export function instrumentBackend(backend: StorageBackend, histogram: StorageHistogram): StorageBackend {
    return {
        kind: backend.kind,
        durable: backend.durable,
        groups: timeStore(backend.groups, 'groups', histogram),
        queue: timeStore(backend.queue, 'queue', histogram),
        coordinator: timeStore(backend.coordinator, 'coordinator', histogram),
        logins: timeStore(backend.logins, 'logins', histogram),
        nodes: backend.nodes,
        health: (timeoutMs) => backend.health(timeoutMs),
        close: () => backend.close(),
    };
}
