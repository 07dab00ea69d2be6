/**
 * Limits against abuse: admission of new connections (unauthenticated ones
 * per address and in total, connections per device group) and per-connection
 * inbound rate limits. Pure bookkeeping; the server applies the decisions.
 */
export {
    addressKey,
    ConnectionLimits,
    REFUSAL_REASONS,
    refusalStatus,
    type ConnectionLimitOptions,
    type ConnectionTicket,
    type RefusalReason,
} from './connection-limits.js';
export { INBOUND_LIMITS, InboundLimiter, type InboundLimit, type InboundLimitOptions } from './inbound-limiter.js';
export { TokenBucket } from './token-bucket.js';
