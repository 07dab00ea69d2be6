/**
 * Timers as a port: components that start timers (the handshake timeout,
 * the transaction TTL, the hand-off grace) take a `StartTimer`, so that
 * tests can drive them with a clock of their own.
 */

/** Starts a timer that calls `fire` after `ms`; returns a function that cancels it. */
export type StartTimer = (ms: number, fire: () => void) => () => void;

/** `setTimeout` as a {@link StartTimer}. */
export const startRealTimer: StartTimer = (ms, fire) => {
    const timer = setTimeout(fire, ms);
    return () => clearTimeout(timer);
};
