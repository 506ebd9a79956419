import { describe, expect, it } from 'vitest';
import { EVENT_FILTERS, NdjsonSplitter, toStackEvent, type RawEngineEvent } from './events.js';

const event = (action: string, attributes: Record<string, string> = {}): RawEngineEvent => ({
  Type: 'container',
  Action: action,
  timeNano: 1_700_000_000_000_000_000,
  Actor: {
    ID: 'abcdef0123456789',
    Attributes: {
      'com.docker.compose.project': 'llm-gateway',
      'com.docker.compose.service': 'api-gateway',
      'com.docker.compose.container-number': '2',
      name: 'llm-gateway-api-gateway-2',
      ...attributes,
    },
  },
});

describe('engine event filtering', () => {
  it('asks the engine for the project and the three actions only', () => {
    expect(EVENT_FILTERS()).toEqual({
      type: ['container'],
      label: ['com.docker.compose.project=llm-gateway'],
      event: ['start', 'die', 'health_status'],
    });
  });

  it('maps start, die and health_status', () => {
    expect(toStackEvent(event('start'))).toEqual({
      action: 'start',
      id: 'abcdef012345',
      name: 'llm-gateway-api-gateway-2',
      service: 'api-gateway',
      replica: 2,
      time: new Date(1_700_000_000_000).toISOString(),
    });
    expect(toStackEvent(event('die', { exitCode: '137' }))).toMatchObject({ action: 'die', exitCode: 137 });
    expect(toStackEvent(event('health_status: unhealthy'))).toMatchObject({
      action: 'health_status',
      health: 'unhealthy',
    });
  });

  it('drops healthcheck exec noise, other actions, other projects and other types', () => {
    expect(toStackEvent(event('exec_create: node healthcheck.mjs'))).toBeNull();
    expect(toStackEvent(event('exec_start: node healthcheck.mjs'))).toBeNull();
    expect(toStackEvent(event('exec_die'))).toBeNull();
    expect(toStackEvent(event('attach'))).toBeNull();
    expect(toStackEvent(event('start', { 'com.docker.compose.project': 'someone-else' }))).toBeNull();
    expect(toStackEvent({ ...event('start'), Type: 'network' })).toBeNull();
  });

  it('splits newline-delimited JSON across chunk boundaries and skips bad lines', () => {
    const splitter = new NdjsonSplitter();
    expect(splitter.push('{"a":1}\n{"b"')).toEqual([{ a: 1 }]);
    expect(splitter.push(':2}\nnot json\n')).toEqual([{ b: 2 }]);
    expect(splitter.push('\n')).toEqual([]);
  });
});
