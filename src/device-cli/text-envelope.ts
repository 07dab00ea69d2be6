/**
 * The CLI's own demo convention for text: an envelope whose content kind is
 * `outgoingMessage` and whose data is the UTF-8 text itself.
 *
 * Real clients put a serialised `d2d.OutgoingMessage` there; this convention
 * only lets two CLI devices show each other text and is not understood by
 * other clients. Envelopes that do not follow it are shown by kind and size.
 */
import type { DeviceId } from '../../d2m/index.js';
import type { Envelope, EnvelopeContentKind } from '../../d2d/index.js';

export const TEXT_CONTENT_KIND: EnvelopeContentKind = 'outgoingMessage';

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder('utf-8', { fatal: true });

/** The envelope `reflect` sends for `text`. */
export function textEnvelope(sender: DeviceId, text: string): Envelope {
    return { deviceId: sender, content: { kind: TEXT_CONTENT_KIND, data: ENCODER.encode(text) } };
}

/** The text of an envelope that follows the convention, else `undefined`. */
export function envelopeText(envelope: Envelope): string | undefined {
    const content = envelope.content;
    if (content?.kind !== TEXT_CONTENT_KIND) return undefined;
    try {
        return DECODER.decode(content.data);
    } catch {
        return undefined;
    }
}
