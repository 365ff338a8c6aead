import { describe, expect, it } from 'vitest';
import { deepLinkFromArgv, flagDeepLink, parseDeepLink } from './deep-link.ts';

describe('deep links', () => {
  it('parses rcr://flag/{provider}/{env}/{key}, percent-decoding each segment', () => {
    expect(parseDeepLink('rcr://flag/local/production/ai-answer-assist')).toEqual({
      provider: 'local',
      environment: 'production',
      key: 'ai-answer-assist',
    });
    expect(parseDeepLink('rcr://flag/prod-unleash/eu%20west/checkout.v2%3Abeta/')).toEqual({
      provider: 'prod-unleash',
      environment: 'eu west',
      key: 'checkout.v2:beta',
    });
    expect(parseDeepLink('RCR://flag/a/b/c')).toEqual({ provider: 'a', environment: 'b', key: 'c' });
  });

  it('round-trips flagDeepLink', () => {
    const ref = { provider: 'p', environment: 'staging/eu', key: 'k ü%' };
    // A "/" inside a segment is refused (it would be a different path), others round-trip.
    expect(parseDeepLink(flagDeepLink(ref))).toBeNull();
    const ok = { provider: 'p', environment: 'stage', key: 'k ü%?#' };
    expect(parseDeepLink(flagDeepLink(ok))).toEqual(ok);
  });

  it.each([
    'https://flag/local/production/x',
    'rcr:flag/local/production/x',
    'rcr://flags/local/production/x',
    'rcr://flag/local/production',
    'rcr://flag/local/production/x/extra',
    'rcr://flag/local//x',
    'rcr://flag/local/production/x?cmd=rollback',
    'rcr://flag/local/production/x#frag',
    'rcr://user:pw@flag/local/production/x',
    'rcr://flag:8080/local/production/x',
    'rcr://flag/../production/x',
    'rcr://flag/%2e%2e/production/x',
    'rcr://flag/local/prod%2Fx/y',
    'rcr://flag/local/production/%00',
    'rcr://flag/local/production/a%0Ab',
    'rcr://flag/local/production/%E0%A4%A',
    'rcr://flag/local/production/ x',
    'rcr://flag/local/production/x y',
    'rcr://flag/local/production/\u0000',
    `rcr://flag/local/production/${'x'.repeat(3000)}`,
    'javascript:alert(1)//rcr://flag/a/b/c',
    '',
  ])('refuses %s', (url) => {
    expect(parseDeepLink(url)).toBeNull();
  });

  it('refuses non-strings', () => {
    for (const v of [undefined, null, 1, {}, ['rcr://flag/a/b/c']]) expect(parseDeepLink(v)).toBeNull();
  });

  it('finds the link in a second instance command line', () => {
    expect(
      deepLinkFromArgv([
        '/opt/rcr/rcr',
        '--data-dir',
        '/tmp/x',
        'rcr://flag/local/production/ai-answer-assist',
      ]),
    ).toEqual({ provider: 'local', environment: 'production', key: 'ai-answer-assist' });
    expect(deepLinkFromArgv(['/opt/rcr/rcr', '--flag'])).toBeNull();
    expect(deepLinkFromArgv(['rcr', 'rcr://flag/a/b'])).toBeNull();
  });
});
