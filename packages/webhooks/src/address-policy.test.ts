import { describe, expect, it } from 'vitest';
import { classifyAddress, compileAllowList, judgeAddress } from './address-policy.ts';

describe('classifyAddress', () => {
  it.each([
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['198.18.0.1', 'reserved'], // benchmarking (RFC 2544)
    ['192.0.2.1', 'reserved'], // documentation
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['fe80::1', 'linkLocal'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'ipv4Mapped'],
    ['::ffff:10.0.0.1', 'ipv4Mapped'],
    ['::ffff:8.8.8.8', 'ipv4Mapped'],
    ['::7f00:1', 'ipv4Compatible'], // ::127.0.0.1 as URLs and DNS write it
    ['2001:2::1', 'benchmarking'],
    ['2001:db8::1', 'reserved'],
    ['2002:7f00:1::', '6to4:loopback'],
    ['2002:a00:1::', '6to4:private'],
    ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'teredo:private'], // client 10.0.0.1, bit-inverted
    ['64:ff9b::a9fe:a9fe', 'rfc6052:linkLocal'],
    ['64:ff9b:1::1', 'rfc6052'],
    ['4000::1', 'unallocated'],
  ])('refuses %s (%s)', (address, range) => {
    expect(classifyAddress(address)).toEqual({ allowed: false, range });
  });

  it.each([
    '93.184.215.14',
    '8.8.8.8',
    '172.32.0.1',
    '2606:4700:4700::1111',
    '2002:5db8:d70e::1', // 6to4 around 93.184.215.14
    '64:ff9b::808:808', // NAT64 of 8.8.8.8
  ])('allows public %s', (address) => {
    expect(classifyAddress(address).allowed).toBe(true);
  });

  it('calls a non-address invalid', () => {
    expect(classifyAddress('example.com')).toEqual({ allowed: false, range: 'invalid' });
    expect(classifyAddress('0x7f000001')).toEqual({ allowed: false, range: 'invalid' });
  });
});

describe('allow-list', () => {
  const list = compileAllowList([
    '127.0.0.1/32',
    'fd00::/8',
    'hooks.corp',
    '.intranet',
    '10.9.9.9',
  ]);

  it('lets through addresses in its CIDRs, including their IPv4-mapped form', () => {
    expect(judgeAddress('x', '127.0.0.1', false, list).allowed).toBe(true);
    expect(judgeAddress('x', '::ffff:127.0.0.1', false, list).allowed).toBe(true);
    expect(judgeAddress('x', 'fd00::5', false, list).allowed).toBe(true);
    expect(judgeAddress('x', '10.9.9.9', false, list).allowed).toBe(true);
    expect(judgeAddress('x', '127.0.0.2', false, list)).toEqual({
      allowed: false,
      range: 'loopback',
    });
  });

  it('lets through named hosts and suffixes whatever they resolve to', () => {
    expect(judgeAddress('hooks.corp', '10.0.0.1', false, list).allowed).toBe(true);
    expect(judgeAddress('HOOKS.corp.', '10.0.0.1', false, list).allowed).toBe(true);
    expect(judgeAddress('a.b.intranet', '10.0.0.1', false, list).allowed).toBe(true);
    expect(judgeAddress('evilhooks.corp', '10.0.0.1', false, list).allowed).toBe(false);
  });

  it('is bypassed entirely by allowPrivate', () => {
    expect(judgeAddress('x', '169.254.169.254', true, compileAllowList()).allowed).toBe(true);
  });

  it('rejects a malformed CIDR', () => {
    expect(() => compileAllowList(['10.0.0.0/99'])).toThrow(RangeError);
  });
});
