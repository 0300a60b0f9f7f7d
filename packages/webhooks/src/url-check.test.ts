import { describe, expect, it } from 'vitest';
import { checkWebhookUrl, type LookupAll } from './url-check.ts';

const answers =
  (...addresses: string[]): LookupAll =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('checkWebhookUrl', () => {
  it.each([
    ['http://10.0.0.1/hook', 'private'],
    ['http://172.16.5.4/hook', 'private'],
    ['http://192.168.0.10/hook', 'private'],
    ['http://127.0.0.1:8080/hook', 'loopback'],
    ['http://127.1.2.3/hook', 'loopback'],
    ['http://169.254.169.254/latest/meta-data/', 'linkLocal'],
    ['http://100.64.1.1/hook', 'carrierGradeNat'],
    ['http://0.0.0.0/hook', 'unspecified'],
    ['http://224.0.0.1/hook', 'multicast'],
    ['http://198.18.0.1/hook', 'reserved'],
    ['http://[::1]/hook', 'loopback'],
    ['http://[::]/hook', 'unspecified'],
    ['http://[fc00::1]/hook', 'uniqueLocal'],
    ['http://[fe80::1]/hook', 'linkLocal'],
    ['http://[::ffff:127.0.0.1]/hook', 'ipv4Mapped'],
    ['http://[::ffff:10.0.0.1]/hook', 'ipv4Mapped'],
    ['http://[::127.0.0.1]/hook', 'ipv4Compatible'],
    ['http://[2002:a9fe:a9fe::1]/hook', '6to4:linkLocal'],
    ['http://2130706433/hook', 'loopback'], // decimal 127.0.0.1, normalised by the URL parser
    ['http://0x7f.1/hook', 'loopback'],
  ])('refuses %s as %s', async (url, range) => {
    const result = await checkWebhookUrl(url);
    expect(result).toMatchObject({ ok: false, reason: 'private_address', range });
  });

  it.each([
    'https://93.184.215.14/hook',
    'http://8.8.8.8:8080/x?y=1',
    'https://[2606:4700:4700::1111]/hook',
  ])('allows the public address %s', async (url) => {
    const result = await checkWebhookUrl(url);
    expect(result).toMatchObject({ ok: true });
  });

  it.each([
    ['ftp://93.184.215.14/x', 'scheme_not_allowed'],
    ['file:///etc/passwd', 'scheme_not_allowed'],
    ['gopher://93.184.215.14/', 'scheme_not_allowed'],
    ['https://user:pw@93.184.215.14/hook', 'credentials_not_allowed'],
    ['https://user@93.184.215.14/hook', 'credentials_not_allowed'],
    ['not a url', 'invalid_url'],
  ])('refuses %s with %s', async (url, reason) => {
    expect(await checkWebhookUrl(url)).toMatchObject({ ok: false, reason });
  });

  it('resolves a hostname and refuses it when it points at loopback (localhost)', async () => {
    const result = await checkWebhookUrl('http://localhost:9999/hook');
    expect(result).toMatchObject({ ok: false, reason: 'private_address' });
  });

  it('lets localhost through by allow-list name, CIDR or allowPrivate', async () => {
    expect(await checkWebhookUrl('http://localhost/h', { allowList: ['localhost'] })).toMatchObject(
      {
        ok: true,
      },
    );
    expect(
      await checkWebhookUrl('http://127.0.0.1/h', { allowList: ['127.0.0.0/8'] }),
    ).toMatchObject({ ok: true, addresses: ['127.0.0.1'] });
    expect(await checkWebhookUrl('http://localhost/h', { allowPrivate: true })).toMatchObject({
      ok: true,
    });
  });

  it('still enforces the scheme when private targets are allowed', async () => {
    expect(await checkWebhookUrl('ftp://127.0.0.1/', { allowPrivate: true })).toMatchObject({
      ok: false,
      reason: 'scheme_not_allowed',
    });
  });

  it('checks every A and AAAA answer: one private answer is enough to refuse', async () => {
    const lookup = answers('93.184.215.14', 'fd00::1');
    expect(await checkWebhookUrl('https://hooks.example/x', { lookup })).toMatchObject({
      ok: false,
      reason: 'private_address',
      address: 'fd00::1',
    });
    const good = await checkWebhookUrl('https://hooks.example/x', {
      lookup: answers('93.184.215.14', '2606:2800:220:1::1'),
    });
    expect(good).toMatchObject({ ok: true, addresses: ['93.184.215.14', '2606:2800:220:1::1'] });
  });

  it('tells the client only that the address is refused; the log detail keeps the rest', async () => {
    const failing: LookupAll = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    const unresolvable = await checkWebhookUrl('https://db.internal/', { lookup: failing });
    const internal = await checkWebhookUrl('https://db.internal/', {
      lookup: answers('10.20.30.40'),
    });
    const loopback = await checkWebhookUrl('http://localhost:9/hook');
    for (const result of [unresolvable, internal, loopback]) {
      if (result.ok) throw new Error('expected a refusal');
      expect(result.detail).toBe('the host does not resolve to an address that is allowed');
    }
    expect(internal).toMatchObject({ logDetail: expect.stringContaining('10.20.30.40 (private)') });
    expect(unresolvable).toMatchObject({ logDetail: expect.stringContaining('ENOTFOUND') });
  });

  it('calls a name that does not resolve unresolvable', async () => {
    const failing: LookupAll = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    expect(await checkWebhookUrl('https://nope.example/', { lookup: failing })).toMatchObject({
      ok: false,
      reason: 'unresolvable',
    });
    expect(await checkWebhookUrl('https://empty.example/', { lookup: answers() })).toMatchObject({
      ok: false,
      reason: 'unresolvable',
    });
  });
});
