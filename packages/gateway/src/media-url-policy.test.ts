import { describe, expect, it } from 'vitest';
import { MediaUrlPolicy, mediaUrlsOf } from './media-url-policy.ts';

const part = (p: Record<string, unknown>) => ({ messages: [{ role: 'user', content: [p] }] });

describe('mediaUrlsOf', () => {
  it('finds every *_url and url string of every part, and nothing in text', () => {
    const body = {
      messages: [
        { role: 'system', content: 'see http://10.0.0.1/ in text: not fetched' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'http://10.0.0.2/' },
            { type: 'image_url', image_url: { url: 'http://a/', detail: 'low' } },
            { type: 'audio_url', audio_url: 'http://b/' },
            { type: 'input_image', image_url: 'http://c/' },
            { type: 'file', file: { file_url: 'http://d/' } },
          ],
        },
        { role: 'user', content: { type: 'video_url', video_url: { url: 'http://e/' } } },
      ],
    };
    expect(mediaUrlsOf(body)).toEqual([
      { param: 'messages.1.content.1.image_url.url', url: 'http://a/' },
      { param: 'messages.1.content.2.audio_url', url: 'http://b/' },
      { param: 'messages.1.content.3.image_url', url: 'http://c/' },
      { param: 'messages.1.content.4.file.file_url', url: 'http://d/' },
      { param: 'messages.2.content.video_url.url', url: 'http://e/' },
    ]);
    expect(mediaUrlsOf({ input: 'no messages' })).toEqual([]);
  });
});

describe('MediaUrlPolicy', () => {
  const asked: string[] = [];
  const publicOnly = async (url: string) => {
    asked.push(url);
    return { ok: new URL(url).hostname.endsWith('.example') };
  };

  it('public: data: passes unasked, each host is judged once, a private one is refused', async () => {
    asked.length = 0;
    const check = new MediaUrlPolicy({ mode: 'public', checkUrl: publicOnly }).checker();
    expect(await check(part({ image_url: { url: 'DATA:image/png;base64,AA==' } }))).toBeNull();
    expect(await check(part({ image_url: { url: 'https://cdn.example/1.png' } }))).toBeNull();
    expect(await check(part({ image_url: { url: 'https://cdn.example:8443/2.png' } }))).toBeNull();
    expect(asked).toEqual(['https://cdn.example/1.png']);
    expect(await check(part({ image_url: { url: 'http://metadata/' } }), 'body.')).toEqual({
      code: 'media_url_not_allowed',
      param: 'body.messages.0.content.0.image_url.url',
      message: expect.stringContaining('body.messages.0.content.0.image_url.url: '),
    });
  });

  it('public: refuses URLs parsers disagree on, other schemes and credentials unasked', async () => {
    asked.length = 0;
    const check = new MediaUrlPolicy({ mode: 'public', checkUrl: publicOnly }).checker();
    for (const url of [
      'http://cdn.example\\@10.0.0.1/',
      'http://cdn.example /x',
      'http://cdn.ex\u00e4mple/',
      'http://user:pw@cdn.example/',
      'file:///etc/passwd',
      'ftp://cdn.example/',
      'not a url',
    ])
      expect(await check(part({ image_url: { url } })), url).not.toBeNull();
    expect(asked).toEqual([]);
  });

  it('public: a failing check refuses, and a body past its distinct hosts is refused', async () => {
    const failing = new MediaUrlPolicy({
      mode: 'public',
      checkUrl: () => Promise.reject(new Error('resolver down')),
    }).checker();
    expect(await failing(part({ image_url: { url: 'https://cdn.example/' } }))).not.toBeNull();
    const two = new MediaUrlPolicy({ mode: 'public', checkUrl: publicOnly }).checker({
      maxOrigins: 2,
    });
    const urls = ['https://a.example/', 'https://b.example/', 'https://c.example/'];
    const refusal = await two({
      messages: [{ role: 'user', content: urls.map((url) => ({ image_url: { url } })) }],
    });
    expect(refusal?.param).toBe('messages.0.content.2.image_url.url');
    expect(refusal?.message).toContain('at most 2 distinct hosts');
  });

  it('off allows data: only; any allows everything', async () => {
    const off = new MediaUrlPolicy({ mode: 'off', checkUrl: publicOnly }).checker();
    expect(await off(part({ image_url: { url: 'data:image/png;base64,AA==' } }))).toBeNull();
    expect((await off(part({ image_url: { url: 'https://cdn.example/' } })))?.message).toContain(
      'turned off',
    );
    const any = new MediaUrlPolicy({ mode: 'any', checkUrl: publicOnly }).checker();
    expect(await any(part({ image_url: { url: 'http://169.254.169.254/' } }))).toBeNull();
  });
});
