// The stack's edge settings as `up` reads them: defaults, TLS flags and port, the allow-list (validated like a
// key's), and clear errors naming the bad setting; the TLS port joins the ports checked before `up`.
import { describe, expect, it } from 'vitest';
import { edgeSettings } from './edge-settings.js';
import { StackError } from './errors.js';
import { stackPorts } from './ports.js';
import { composeBaseArgs } from './compose.js';

describe('edgeSettings', () => {
  it('is off with no values: no TLS, no allow-list, no monitoring', () => {
    const off = { tls: null, allowIps: [], monitoringProfiles: [] };
    expect(edgeSettings({})).toEqual(off);
    expect(edgeSettings({ LLMGW_TLS: '0', LLMGW_ALLOW_IPS: '', LLMGW_MONITORING: '0' })).toEqual(off);
  });

  it('turns the monitoring profiles on: Prometheus alone, or with Grafana (which needs it)', () => {
    expect(edgeSettings({ LLMGW_MONITORING: '1' }).monitoringProfiles).toEqual(['monitoring']);
    expect(edgeSettings({ LLMGW_GRAFANA: 'true' }).monitoringProfiles).toEqual(['monitoring', 'grafana']);
    expect(() => edgeSettings({ LLMGW_MONITORING: 'yes' })).toThrow(/LLMGW_MONITORING/);
  });

  it('reads TLS with its defaults (port 3443, HSTS allowed, no redirect) and the overrides', () => {
    expect(edgeSettings({ LLMGW_TLS: '1' }).tls).toEqual({
      port: 3443,
      certFile: undefined,
      keyFile: undefined,
      redirect: false,
      hsts: true,
    });
    expect(
      edgeSettings({
        LLMGW_TLS: 'true',
        LLMGW_TLS_PORT: '8443',
        LLMGW_TLS_CERT: '/c.pem',
        LLMGW_TLS_KEY: '/k.pem',
        LLMGW_TLS_REDIRECT: '1',
        LLMGW_TLS_HSTS: '0',
      }).tls,
    ).toEqual({ port: 8443, certFile: '/c.pem', keyFile: '/k.pem', redirect: true, hsts: false });
  });

  it('splits and validates the allow-list (IPv4, IPv6, CIDR; commas or spaces)', () => {
    expect(edgeSettings({ LLMGW_ALLOW_IPS: '192.168.1.0/24, ::1 10.0.0.7' }).allowIps).toEqual([
      '192.168.1.0/24',
      '::1',
      '10.0.0.7',
    ]);
  });

  it.each([
    [{ LLMGW_TLS: 'yes' }, /LLMGW_TLS/],
    [{ LLMGW_TLS: '1', LLMGW_TLS_PORT: '70000' }, /LLMGW_TLS_PORT/],
    [{ LLMGW_ALLOW_IPS: '10.0.0.0/8,example.com' }, /LLMGW_ALLOW_IPS/],
  ])('refuses %o with a StackError naming the setting', (values, message) => {
    let caught: unknown;
    try {
      edgeSettings(values);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StackError);
    expect((caught as StackError).code).toBe('invalid_setting');
    expect((caught as StackError).message).toMatch(message);
  });

  it('checks the TLS port before `up` only when TLS is on', () => {
    expect(stackPorts({}).map((p) => p.port)).toEqual([3000, 15432, 16379]);
    expect(stackPorts({ LLMGW_TLS: '1', LLMGW_TLS_PORT: '8443' }).map((p) => p.port)).toEqual([
      8443, 3000, 15432, 16379,
    ]);
  });

  it('layers override files after the main compose file', () => {
    const args = composeBaseArgs({ prefix: ['compose'] }, { file: 'a.yml', envFile: 's.env', overrides: ['tls.yml'] });
    expect(args.join(' ')).toContain('-f a.yml -f tls.yml --env-file s.env');
  });
});
