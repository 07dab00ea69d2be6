/**
 * Protocol errors of the d2d layer: the protocol library's
 * `D2mProtocolError`, marked `protocol: 'd2d'` so that a client can tell a
 * malformed payload from another device from a malformed mediator frame.
 */
import { D2mProtocolError, type ProtocolErrorCode } from '../d2m/index.js';

export function d2dProtocolError(
    code: ProtocolErrorCode,
    message: string,
    options?: { readonly cause?: unknown },
): D2mProtocolError {
    return new D2mProtocolError(code, message, { ...options, protocol: 'd2d' });
}
