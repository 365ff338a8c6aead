import { describe, expect, it } from 'vitest';
import { parseSourceUrl } from './source-url.ts';

describe('parseSourceUrl', () => {
  it('accepts http(s) base URLs and returns one canonical form per source', () => {
    expect(parseSourceUrl('http://prometheus:9090')).toEqual({ ok: true, url: 'http://prometheus:9090' });
    expect(parseSourceUrl('HTTP://Prometheus:9090/')).toEqual({ ok: true, url: 'http://prometheus:9090' });
    expect(parseSourceUrl('https://prom.example.com:443/x/../prom//')).toEqual({
      ok: true,
      url: 'https://prom.example.com/prom',
    });
    expect(parseSourceUrl('http://[::1]:9090/')).toEqual({ ok: true, url: 'http://[::1]:9090' });
  });

  it.each([
    ['http://127.0.0.1:4302/internal/admin#', /fragment/],
    ['http://prom:9090/#/graph', /fragment/],
    ['http://prom:9090?', /query/],
    ['http://prom:9090/?a=1', /query/],
    ['http://user:pw@prom:9090', /credentials/],
    ['http://user@prom:9090', /credentials/],
    ['http://@prom:9090', /credentials/],
    ['http://prom:9090\\@evil/', /backslash/],
    ['http://prom :9090', /whitespace/],
    ['http://prom:9090/\u0000', /control/],
    ['file:///etc/passwd', /only http and https/],
    ['gopher://prom:70/', /only http and https/],
    ['javascript:alert(1)', /only http and https/],
    ['prom:9090', /only http and https|not a URL/],
    ['', /empty/],
    [`http://p/${'a'.repeat(2100)}`, /longer than/],
  ])('refuses %j with a fixed reason', (raw, why) => {
    const r = parseSourceUrl(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toMatch(why);
      expect(r.reason).not.toContain(raw.slice(7, 20) || '\u0001');
    }
  });

  it('refuses what is not a string', () => {
    expect(parseSourceUrl(undefined).ok).toBe(false);
    expect(parseSourceUrl(42).ok).toBe(false);
  });
});
