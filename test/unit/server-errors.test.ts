/**
 * The server's error taxonomy: one base class that is not the protocol
 * library's, every code documented, and the one mapping to close codes.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { CloseCode, D2mError, D2mProtocolError } from '../../d2m/index.js';
import { decodeEnvelope } from '../../d2d/index.js';
import {
    AuthenticationError,
    ChatServerProxyError,
    closeCodeForError,
    ConfigError,
    LockLostError,
    MediatorError,
    PresenceLostError,
    SERVER_ERROR_CODES,
    SessionClosedError,
    StorageError,
} from '../../src/errors.js';

const PROTOCOL_DOC = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

describe('server errors', function () {
    const samples: readonly MediatorError[] = [
        new AuthenticationError(),
        new StorageError('down', { retryable: true }),
        new ConfigError(['port: not a number']),
        new SessionClosedError(CloseCode.DEVICE_LIMIT_REACHED, 'device slot limit reached'),
        new ChatServerProxyError('connect-failed', 'refused'),
        new LockLostError(),
        new PresenceLostError(),
    ];

    it('derive from MediatorError, not from the protocol library', function () {
        for (const error of samples) {
            expect(error, error.name).to.be.instanceOf(MediatorError);
            expect(error, error.name).to.not.be.instanceOf(D2mError);
            expect(SERVER_ERROR_CODES, error.name).to.include(error.code);
        }
    });

    it('documents every server error code in docs/protocol.md', function () {
        for (const code of SERVER_ERROR_CODES) {
            expect(PROTOCOL_DOC, `server error code ${code}`).to.match(new RegExp(`\\| \`${code}\` \\|`, 'u'));
        }
    });

    it('maps errors to close codes in one place', function () {
        const cases: readonly (readonly [unknown, CloseCode])[] = [
            [new D2mProtocolError('invalid-field', 'bad'), CloseCode.PROTOCOL_ERROR],
            [new AuthenticationError(), CloseCode.PROTOCOL_ERROR],
            [
                new SessionClosedError(CloseCode.DEVICE_SLOT_STATE_MISMATCH, 'mismatch'),
                CloseCode.DEVICE_SLOT_STATE_MISMATCH,
            ],
            [new ChatServerProxyError('chat-server-closed', 'closed'), CloseCode.CHAT_SERVER_CONNECTION_CLOSED],
            [new StorageError('down', { retryable: true }), CloseCode.TRY_AGAIN_LATER],
            [new LockLostError(), CloseCode.TRY_AGAIN_LATER],
            [new PresenceLostError(), CloseCode.TRY_AGAIN_LATER],
            [new StorageError('corrupt', { retryable: false }), CloseCode.INTERNAL_ERROR],
            [new TypeError('a bug'), CloseCode.INTERNAL_ERROR],
            ['a string', CloseCode.INTERNAL_ERROR],
        ];
        for (const [error, code] of cases) expect(closeCodeForError(error), String(error)).to.equal(code);
    });

    it('says which protocol a protocol error is about', function () {
        expect(new D2mProtocolError('invalid-field', 'bad').protocol).to.equal('d2m');
        expect(() => decodeEnvelope(Uint8Array.of(0xff, 0xff, 0xff)))
            .to.throw(D2mProtocolError)
            .with.property('protocol', 'd2d');
    });
});
