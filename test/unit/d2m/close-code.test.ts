import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import {
    CLOSE_CODES,
    CloseCode,
    closeCodeInfo,
    CRYPTO_ERROR_CODES,
    mayReconnectAutomatically,
    PROTOCOL_ERROR_CODES,
} from '../../../d2m/index.js';

const PROTOCOL_DOC = readFileSync(new URL('../../../../docs/protocol.md', import.meta.url), 'utf8');

describe('close codes', function () {
    it('lets clients reconnect on their own after 1xxx and 40xx codes', function () {
        for (const code of [1000, 1001, 1011, 1013, 4000, 4001, 4009, 4010, 4011, 4012, 4013]) {
            expect(mayReconnectAutomatically(code), String(code)).to.equal(true);
        }
    });

    it('requires a user action after 41xx codes, including unknown ones', function () {
        for (const code of [4110, 4111, 4112, 4113, 4114, 4115, 4150, 4199]) {
            expect(mayReconnectAutomatically(code), String(code)).to.equal(false);
        }
    });

    it('describes unknown codes by the range rule', function () {
        expect(closeCodeInfo(3999)).to.include({ name: 'unknown', reconnect: 'auto' });
        expect(closeCodeInfo(4199)).to.include({ name: 'unknown', reconnect: 'user-action' });
    });

    it('has an entry for every enum member', function () {
        for (const value of Object.values(CloseCode)) {
            if (typeof value === 'number') expect(CLOSE_CODES.has(value), String(value)).to.equal(true);
        }
    });

    it('documents every close code in docs/protocol.md', function () {
        for (const [code, info] of CLOSE_CODES) {
            expect(PROTOCOL_DOC, `close code ${code}`).to.match(new RegExp(`\\| ${code} \\| \`${info.name}\``, 'u'));
        }
    });

    it('documents every error code in docs/protocol.md', function () {
        for (const code of [...PROTOCOL_ERROR_CODES, ...CRYPTO_ERROR_CODES]) {
            expect(PROTOCOL_DOC, `error code ${code}`).to.include(`\`${code}\``);
        }
    });
});
