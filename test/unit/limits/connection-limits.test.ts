import { expect } from 'chai';
import { addressKey, ConnectionLimits, refusalStatus } from '../../../src/limits/index.js';

const GROUP_A = 'a'.repeat(64);
const GROUP_B = 'b'.repeat(64);

describe('limits: connection admission', function () {
    it('limits unauthenticated connections per address, and frees the place on authentication', function () {
        const limits = new ConnectionLimits({
            maxUnauthenticatedPerIp: 2,
            maxUnauthenticated: 0,
            maxConnectionsPerGroup: 0,
        });
        const first = limits.admit('10.0.0.1', GROUP_A);
        limits.admit('10.0.0.1', GROUP_B);
        expect(limits.check('10.0.0.1', GROUP_A)).to.equal('unauthenticated-per-ip');
        expect(limits.check('10.0.0.2', GROUP_A)).to.equal(undefined);
        first.authenticated();
        expect(limits.unauthenticatedFrom('10.0.0.1')).to.equal(1);
        expect(limits.check('10.0.0.1', GROUP_A)).to.equal(undefined);
    });

    it('limits unauthenticated connections in total', function () {
        const limits = new ConnectionLimits({
            maxUnauthenticatedPerIp: 0,
            maxUnauthenticated: 2,
            maxConnectionsPerGroup: 0,
        });
        limits.admit('10.0.0.1', undefined);
        const second = limits.admit('10.0.0.2', undefined);
        expect(limits.check('10.0.0.3', GROUP_A)).to.equal('unauthenticated-total');
        second.release();
        expect(limits.unauthenticated).to.equal(1);
        expect(limits.check('10.0.0.3', GROUP_A)).to.equal(undefined);
    });

    it('limits connections per group, authenticated ones included, until they close', function () {
        const limits = new ConnectionLimits({
            maxUnauthenticatedPerIp: 0,
            maxUnauthenticated: 0,
            maxConnectionsPerGroup: 2,
        });
        const first = limits.admit('10.0.0.1', GROUP_A);
        first.authenticated();
        limits.admit('10.0.0.2', GROUP_A).authenticated();
        expect(limits.check('10.0.0.3', GROUP_A)).to.equal('group-connections');
        expect(limits.check('10.0.0.3', GROUP_B)).to.equal(undefined);
        expect(limits.check('10.0.0.3', undefined)).to.equal(undefined);
        first.release();
        expect(limits.groupConnections(GROUP_A)).to.equal(1);
        expect(limits.check('10.0.0.3', GROUP_A)).to.equal(undefined);
    });

    it('counts each ticket once however often it is authenticated or released', function () {
        const limits = new ConnectionLimits({
            maxUnauthenticatedPerIp: 1,
            maxUnauthenticated: 1,
            maxConnectionsPerGroup: 1,
        });
        const ticket = limits.admit('10.0.0.1', GROUP_A);
        const other = limits.admit('10.0.0.1', GROUP_A);
        ticket.authenticated();
        ticket.authenticated();
        ticket.release();
        ticket.release();
        ticket.authenticated();
        expect(limits.unauthenticated).to.equal(1);
        expect(limits.groupConnections(GROUP_A)).to.equal(1);
        other.release();
        expect(limits.unauthenticated).to.equal(0);
        expect(limits.groupConnections(GROUP_A)).to.equal(0);
        expect(limits.unauthenticatedFrom('10.0.0.1')).to.equal(0);
    });

    it('is off for limits of 0', function () {
        const limits = new ConnectionLimits({
            maxUnauthenticatedPerIp: 0,
            maxUnauthenticated: 0,
            maxConnectionsPerGroup: 0,
        });
        for (let i = 0; i < 100; i++) limits.admit('10.0.0.1', GROUP_A);
        expect(limits.check('10.0.0.1', GROUP_A)).to.equal(undefined);
    });

    it('answers per-client limits with 429 and node-wide ones with 503', function () {
        expect(refusalStatus('unauthenticated-per-ip')).to.equal(429);
        expect(refusalStatus('group-connections')).to.equal(429);
        expect(refusalStatus('unauthenticated-total')).to.equal(503);
        expect(refusalStatus('draining')).to.equal(503);
    });
});

describe('limits: address keys', function () {
    it('keeps IPv4 addresses and unwraps IPv4-mapped IPv6 ones', function () {
        expect(addressKey('192.0.2.7')).to.equal('192.0.2.7');
        expect(addressKey('::ffff:192.0.2.7')).to.equal('192.0.2.7');
        expect(addressKey('0000:0000:0000:0000:0000:ffff:7f00:0001')).to.equal('127.0.0.1');
    });

    it('groups IPv6 addresses by their /64', function () {
        expect(addressKey('2001:db8:1:2::1')).to.equal('2001:db8:1:2::/64');
        expect(addressKey('2001:0DB8:0001:0002:ffff:0:0:9')).to.equal('2001:db8:1:2::/64');
        expect(addressKey('::1')).to.equal('0:0:0:0::/64');
    });

    it('keeps text that is no address as it is', function () {
        expect(addressKey('not:an:address')).to.equal('not:an:address');
        expect(addressKey('')).to.equal('');
    });
});
