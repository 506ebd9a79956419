import { describe, expect, it } from 'vitest';
import { composeBaseArgs, downArgs, isSupportedCompose, parseComposeVersion, upArgs } from './compose.js';
import { parseProgressLine, serviceOf } from './progress.js';

describe('compose version', () => {
  it('parses the forms compose prints', () => {
    expect(parseComposeVersion('2.26.1-4')).toEqual([2, 26, 1]);
    expect(parseComposeVersion('v2.20.2')).toEqual([2, 20, 2]);
    expect(parseComposeVersion('Docker Compose version v2.29.7-desktop.1')).toEqual([2, 29, 7]);
    expect(parseComposeVersion('1.29.2')).toEqual([1, 29, 2]);
    expect(parseComposeVersion('nothing')).toBeNull();
  });

  it('needs 2.20 or newer', () => {
    expect(isSupportedCompose([2, 20, 0])).toBe(true);
    expect(isSupportedCompose([3, 0, 0])).toBe(true);
    expect(isSupportedCompose([2, 19, 9])).toBe(false);
    expect(isSupportedCompose([1, 29, 2])).toBe(false);
  });
});

describe('compose arguments', () => {
  const target = { file: '/repo/compose/docker-compose.yml', envFile: '/home/u/.config/llm-gateway/stack.env' };

  it('names the project, file and generated env file, with plain output', () => {
    expect(composeBaseArgs({ prefix: ['compose'] }, target)).toEqual([
      'compose',
      '--ansi',
      'never',
      '--progress',
      'plain',
      '-p',
      'llm-gateway',
      '-f',
      target.file,
      '--env-file',
      target.envFile,
    ]);
    expect(composeBaseArgs({ prefix: [] }, { ...target, project: 'other' })).toContain('other');
  });

  it('builds up (detached, build, wait) and down (volumes only when asked)', () => {
    expect(upArgs()).toEqual(['up', '-d', '--build', '--wait', '--wait-timeout', '300']);
    expect(
      upArgs({ build: false, services: ['api-gateway'], forceRecreate: true, noDeps: true, waitTimeoutS: 60 }),
    ).toEqual(['up', '-d', '--wait', '--wait-timeout', '60', '--force-recreate', '--no-deps', 'api-gateway']);
    expect(downArgs()).toEqual(['down', '--remove-orphans']);
    expect(downArgs({ volumes: true })).toEqual(['down', '--remove-orphans', '--volumes']);
  });
});

describe('compose progress', () => {
  it('turns resource lines into typed events', () => {
    expect(parseProgressLine(' Container llm-gateway-api-gateway-2  Healthy')).toEqual({
      type: 'resource',
      resource: 'container',
      name: 'llm-gateway-api-gateway-2',
      service: 'api-gateway',
      status: 'Healthy',
      done: true,
    });
    expect(parseProgressLine(' Volume "llm-gateway_pgdata"  Creating')).toMatchObject({
      resource: 'volume',
      name: 'llm-gateway_pgdata',
      done: false,
    });
    expect(parseProgressLine(' Network llm-gateway_default  Created')).toMatchObject({
      resource: 'network',
      done: true,
    });
    expect(parseProgressLine('\x1b[32m Container llm-gateway-nginx  Started\x1b[0m')).toMatchObject({
      service: 'nginx',
      status: 'Started',
    });
  });

  it('recognises build steps of both builders and keeps other text', () => {
    expect(parseProgressLine('#5 [build 3/8] RUN npm ci').type).toBe('build');
    expect(parseProgressLine('Step 3/25 : RUN npm ci').type).toBe('build');
    expect(parseProgressLine('some warning')).toEqual({ type: 'message', text: 'some warning' });
  });

  it('derives the service from a container name', () => {
    expect(serviceOf('llm-gateway-redis')).toBe('redis');
    expect(serviceOf('llm-gateway-api-gateway-3')).toBe('api-gateway');
  });
});
