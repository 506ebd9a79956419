import { describe, expect, it } from 'vitest';
import { discoverEngine, dockerodeOptions, engineCandidates } from './engine.js';
import { StackError } from './errors.js';

const base = { env: {}, home: '/home/u', uid: 1000 };

describe('engine discovery', () => {
  it('tries the usual Linux sockets in order: system, rootless, Desktop, Podman', () => {
    expect(
      engineCandidates({ ...base, platform: 'linux', env: { XDG_RUNTIME_DIR: '/run/user/1000' } }).map(
        (c) => c.address,
      ),
    ).toEqual([
      '/var/run/docker.sock',
      '/run/user/1000/docker.sock',
      '/home/u/.docker/desktop/docker.sock',
      '/home/u/.docker/run/docker.sock',
      '/run/user/1000/podman/podman.sock',
      '/run/podman/podman.sock',
    ]);
  });

  it('knows Docker Desktop on macOS and the Windows named pipes', () => {
    expect(engineCandidates({ ...base, platform: 'darwin', home: '/Users/u' })[0]!.address).toBe(
      '/Users/u/.docker/run/docker.sock',
    );
    const windows = engineCandidates({ ...base, platform: 'win32' });
    expect(windows.map((c) => c.address)).toEqual([
      '\\\\.\\pipe\\docker_engine',
      '\\\\.\\pipe\\podman-machine-default',
    ]);
    expect(windows[0]!.dockerHost).toBe('npipe:////./pipe/docker_engine');
  });

  it('uses DOCKER_HOST alone when it is set', () => {
    expect(engineCandidates({ ...base, platform: 'linux', env: { DOCKER_HOST: 'unix:///tmp/d.sock' } })).toEqual([
      { kind: 'socket', address: '/tmp/d.sock', label: 'DOCKER_HOST', dockerHost: 'unix:///tmp/d.sock' },
    ]);
    const tcp = engineCandidates({ ...base, platform: 'linux', env: { DOCKER_HOST: 'tcp://10.0.0.2:2376' } })[0]!;
    expect(dockerodeOptions(tcp)).toEqual({ protocol: 'http', host: '10.0.0.2', port: '2376' });
    const npipe = engineCandidates({
      ...base,
      platform: 'win32',
      env: { DOCKER_HOST: 'npipe:////./pipe/docker_engine' },
    })[0]!;
    expect(npipe.address).toBe('\\\\.\\pipe\\docker_engine');
  });

  it('fails with no_engine and the list of what was tried', async () => {
    const error = await discoverEngine({ ...base, platform: 'linux' }, () => false).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StackError);
    expect((error as StackError).code).toBe('no_engine');
    expect((error as StackError).message).toContain('/var/run/docker.sock (Docker Engine): not found');
    expect((error as StackError).hint).toMatch(/embedded/);
  });

  it('reports a socket that exists but does not answer', async () => {
    const error = await discoverEngine(
      { ...base, platform: 'linux', env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } },
      () => true,
      500,
    ).catch((err: unknown) => err);
    expect((error as StackError).code).toBe('no_engine');
    expect((error as StackError).message).toContain('/nonexistent/docker.sock');
  });
});
