import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy as serverPolicy } from '../electron/server/security-headers.ts';
import { CSP_PLACEHOLDER, contentSecurityPolicy, injectCspMeta, RENDERER_CSP } from './csp.ts';

describe('the CSP, defined once', () => {
  it('gives the renderer page its policy through the placeholder in index.html', () => {
    const html = fs.readFileSync(new URL('../renderer/index.html', import.meta.url), 'utf8');
    expect(html.split(CSP_PLACEHOLDER)).toHaveLength(2);
    expect(html).not.toMatch(/Content-Security-Policy/);
    const page = injectCspMeta(html);
    expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="${RENDERER_CSP}" />`);
    expect(RENDERER_CSP).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
        "connect-src 'self' ws://127.0.0.1:* ws://localhost:*; base-uri 'none'; form-action 'none'",
    );
  });

  it('refuses to build a page that has no placeholder', () => {
    expect(() => injectCspMeta('<html><head></head></html>')).toThrow(
      /refusing to build a page without a CSP/,
    );
  });

  it('gives rcr serve the same directives, connect-src narrowed to its sockets, and frame-ancestors', () => {
    const header = serverPolicy({ hosts: ['127.0.0.1:4300', '[::1]:4300'], tls: false });
    expect(header).toBe(contentSecurityPolicy(['ws://127.0.0.1:4300'], true));
    expect(header).toMatch(/frame-ancestors 'none'$/);
    const base = (p: string) => p.split('; ').filter((d) => !/^(connect-src|frame-ancestors)/.test(d));
    expect(base(header)).toEqual(base(RENDERER_CSP));
  });
});
