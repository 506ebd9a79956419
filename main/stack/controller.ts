// The stack controller: one object the CLI, the tray and `serve` mode share. Compose (child process) creates,
// recreates and removes the stack; dockerode (Engine API) starts, stops, watches and reads logs day to day.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type Docker from 'dockerode';
import {
  composeBaseArgs,
  downArgs,
  locateCompose,
  runCompose,
  upArgs,
  type ComposeBinary,
  type UpOptions,
} from './compose.js';
import { listStack, PROJECT_LABEL, STACK_LABEL, type ContainerStatus } from './containers.js';
import {
  composeEnv,
  DEFAULT_OLLAMA_URLS,
  effectiveValues,
  ENV_FILE_NAME,
  ensureEnvFile,
  parseEnvFile,
  type EnvFile,
} from './env-file.js';
import { discoverEngine, type Engine } from './engine.js';
import { StackError } from './errors.js';
import { writeSecretFiles } from './secret-files.js';
import { watchEvents, type EventSubscription, type StackEvent } from './events.js';
import { startContainers, stopContainers, type LifecycleEvent } from './lifecycle.js';
import { streamLogs, type LogOptions } from './logs.js';
import { findRequestLogs, type RequestLogLine } from './request-logs.js';
import { composeFile, llmgwHome, PROJECT } from './paths.js';
import { assertPortsFree, stackPorts } from './ports.js';
import { parseProgressLine, type ProgressEvent } from './progress.js';
import { edgeSettings } from './edge-settings.js';
import { prepareServedTls } from './tls-certs.js';

/** Compose profiles of the optional services a `down` removes with the rest. */
const OPTIONAL_PROFILES = ['monitoring', 'grafana'];
import { bridgeGatewayOf, planOllamaRoute, routeComposeEnv, type OllamaRoute } from './ollama-route.js';
import {
  ensureSecrets,
  removeSecretsAndConfigs,
  runDockerCli,
  stackServices,
  swarmManager,
  waitConverged,
  waitRemoved,
} from './swarm.js';
import { contentVersion, SWARM_OVERLAY_FILE, swarmSecretValues, toStackDefinition } from './swarm-definition.js';

export type ControllerEvent =
  | ProgressEvent
  | LifecycleEvent
  | {
      type: 'step';
      step:
        | 'env-file'
        | 'engine'
        | 'compose'
        | 'ports'
        | 'ollama'
        | 'tls'
        | 'monitoring'
        | 'up'
        | 'down'
        | 'stop'
        | 'start'
        | 'restart'
        | 'build'
        | 'secrets'
        | 'deploy'
        | 'converge';
      text: string;
    };

export interface ControllerOptions {
  /** The caller's environment (overrides, DOCKER_HOST, LLMGW_HOME). */
  env?: NodeJS.ProcessEnv;
  home?: string;
  composeFile?: string;
  project?: string;
  /** Decides the Ollama route (tests pass another platform); default process.platform. */
  platform?: NodeJS.Platform;
  onEvent?: (event: ControllerEvent) => void;
}

export interface SwarmUpOptions {
  /** Gateway replicas (default 3). */
  replicas?: number;
  /** Build the gateway image first (default true; Swarm cannot build, it deploys the tag). */
  build?: boolean;
  /** How long to wait for every service to converge (default 5 min). */
  timeoutMs?: number;
}

export interface StackStatus {
  project: string;
  /** How the stack runs: Compose containers, or a Swarm stack (its tasks on this node are the containers). */
  mode?: 'compose' | 'swarm';
  /** not-created: no container; running: all running and none unhealthy; partial; stopped. */
  state: 'not-created' | 'running' | 'partial' | 'stopped';
  containers: ContainerStatus[];
  /** How the replicas reach Ollama (forwarder on/off and why); absent when the Engine could not say. */
  ollama?: OllamaRoute;
}

export class StackController {
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
  readonly composeFile: string;
  readonly project: string;
  readonly platform: NodeJS.Platform;
  private engine?: Engine;
  private compose?: ComposeBinary;
  private emit: (event: ControllerEvent) => void;

  constructor(options: ControllerOptions = {}) {
    this.env = options.env ?? process.env;
    this.home = options.home ?? llmgwHome(this.env);
    this.composeFile = options.composeFile ?? composeFile(this.env);
    this.project = options.project ?? PROJECT;
    this.platform = options.platform ?? process.platform;
    this.emit = options.onEvent ?? (() => {});
  }

  /** The Engine (discovered once, then reused). */
  async docker(): Promise<Docker> {
    this.engine ??= await discoverEngine({
      platform: process.platform,
      env: this.env,
      home: (await import('node:os')).homedir(),
      uid: process.getuid?.() ?? 0,
    });
    return this.engine.docker;
  }

  envFile(): EnvFile {
    return ensureEnvFile(this.home);
  }

  /** The one decision of how the replicas reach Ollama on this platform (see ollama-route.ts). */
  async ollamaRoute(): Promise<OllamaRoute> {
    // Read, never create: `status` and the health monitor must not generate secrets as a side effect.
    let file: Record<string, string> = {};
    try {
      file = parseEnvFile(readFileSync(path.join(this.home, ENV_FILE_NAME), 'utf8'));
    } catch {
      // no stack.env yet: the defaults apply
    }
    const values = effectiveValues(file, this.env);
    let bridgeGateway: string | null = null;
    if (this.platform === 'linux') {
      const network = await (
        await this.docker()
      )
        .getNetwork('bridge')
        .inspect()
        .catch(() => null);
      bridgeGateway = network ? bridgeGatewayOf(network as Parameters<typeof bridgeGatewayOf>[0]) : null;
    }
    return planOllamaRoute({ platform: this.platform, urls: values.OLLAMA_URLS || DEFAULT_OLLAMA_URLS, bridgeGateway });
  }

  async containers(): Promise<ContainerStatus[]> {
    return listStack(await this.docker(), this.project);
  }

  async status(): Promise<StackStatus> {
    const containers = await this.containers();
    const running = containers.filter((c) => c.state === 'running');
    const state =
      containers.length === 0
        ? 'not-created'
        : running.length === 0
          ? 'stopped'
          : running.length === containers.length && running.every((c) => c.health !== 'unhealthy')
            ? 'running'
            : 'partial';
    const ollama = await this.ollamaRoute().catch(() => undefined);
    const mode = (await this.isSwarm()) ? 'swarm' : 'compose';
    return { project: this.project, mode, state, containers, ...(ollama ? { ollama } : {}) };
  }

  private async composeCall(
    args: string[],
    step: 'up' | 'down',
    layer: { overrides?: string[]; env?: Record<string, string>; profiles?: string[] } = {},
  ): Promise<void> {
    const envFile = this.envFile();
    await this.docker(); // a clear no_engine error before compose prints its own
    this.compose ??= await locateCompose(this.env);
    const route = await this.ollamaRoute();
    // `down` enables the same profiles, so the forwarder is removed with the rest; `up` creates it only on Linux.
    const extra = {
      ...layer.env,
      DOCKER_HOST: this.engine!.candidate.dockerHost,
      // The passwords postgres and redis read from mounted files (compose `secrets:`), written from stack.env.
      LLMGW_SECRETS_DIR: writeSecretFiles(this.home, envFile.values),
      ...routeComposeEnv(
        route,
        // `down` removes the optional services too, whatever the settings say now.
        step === 'down'
          ? [this.env.COMPOSE_PROFILES, 'forwarder', ...OPTIONAL_PROFILES].filter(Boolean).join(',')
          : [this.env.COMPOSE_PROFILES, ...(layer.profiles ?? [])].filter(Boolean).join(','),
      ),
    };
    if (step === 'up')
      this.emit({
        type: 'step',
        step: 'ollama',
        text: route.forwarder ? `Ollama forwarder on: ${route.reason}` : `Ollama forwarder off: ${route.reason}`,
      });
    const base = composeBaseArgs(this.compose, {
      file: this.composeFile,
      envFile: envFile.path,
      project: this.project,
      ...(layer.overrides ? { overrides: layer.overrides } : {}),
    });
    this.emit({ type: 'step', step, text: `docker compose ${args.join(' ')}` });
    const result = await runCompose(this.compose, [...base, ...args], composeEnv(this.env, extra), (line) =>
      this.emit(parseProgressLine(line, this.project)),
    );
    if (result.code !== 0) {
      throw new StackError(
        'compose_failed',
        `docker compose ${args[0]} failed (exit ${result.code}):\n  ${result.tail.slice(-12).join('\n  ')}`,
        {
          exitCode: result.code,
          tail: result.tail,
        },
      );
    }
  }

  /** Creates or updates the stack (idempotent) and waits until every service is healthy. */
  async up(options: UpOptions = {}): Promise<StackStatus> {
    const envFile = this.envFile();
    this.emit({ type: 'step', step: 'env-file', text: `${envFile.created ? 'Generated' : 'Using'} ${envFile.path}` });
    const docker = await this.docker();
    this.emit({
      type: 'step',
      step: 'engine',
      text: `Docker Engine ${this.engine!.version} at ${this.engine!.candidate.address}`,
    });
    this.compose ??= await locateCompose(this.env);
    this.emit({ type: 'step', step: 'compose', text: `Docker Compose ${this.compose.version}` });
    // Ports our own running containers publish are expected to be busy; any other holder is an error.
    const ours = new Set(
      (await listStack(docker, this.project))
        .filter((c) => c.state === 'running')
        .flatMap((c) => c.ports.map((p) => p.hostPort)),
    );
    const values = effectiveValues(envFile.values, this.env);
    const edge = edgeSettings(values);
    await assertPortsFree(stackPorts(values), ours);
    this.emit({ type: 'step', step: 'ports', text: 'Ports are free' });
    let layer: { overrides?: string[]; env?: Record<string, string>; profiles?: string[] } = {};
    if (edge.tls) {
      const served = await prepareServedTls(this.home, { certFile: edge.tls.certFile, keyFile: edge.tls.keyFile });
      layer = {
        overrides: [path.join(path.dirname(this.composeFile), 'docker-compose.tls.yml')],
        env: {
          LLMGW_TLS_DIR: served.dir,
          // HSTS pins the name to HTTPS in browsers for a year: only for a certificate the user owns.
          LLMGW_TLS_HSTS: served.own && edge.tls.hsts ? '1' : '0',
        },
      };
      this.emit({
        type: 'step',
        step: 'tls',
        text: served.own
          ? `HTTPS on port ${edge.tls.port} with ${edge.tls.certFile}`
          : `HTTPS on port ${edge.tls.port} with the local CA's certificate (trust ${served.caFile})`,
      });
    }
    if (edge.monitoringProfiles.length > 0) {
      layer = { ...layer, profiles: edge.monitoringProfiles };
      this.emit({
        type: 'step',
        step: 'monitoring',
        text: `Monitoring on: Prometheus at http://127.0.0.1:${values.PROMETHEUS_PORT || 19090}${
          edge.monitoringProfiles.includes('grafana')
            ? `, Grafana at http://127.0.0.1:${values.GRAFANA_PORT || 13001}`
            : ''
        }`,
      });
    }
    await this.composeCall(upArgs(options), 'up', layer);
    return this.status();
  }

  /** Removes containers and network; volumes (keys, usage, Redis data) are kept unless asked. */
  async down(options: { volumes?: boolean } = {}): Promise<void> {
    if (await this.isSwarm()) return this.downSwarm(options);
    await this.composeCall(downArgs(options), 'down');
  }

  /** True when a Swarm stack of this project is deployed from this Engine (a Swarm manager). */
  async isSwarm(): Promise<boolean> {
    return (await stackServices(await this.docker(), this.project)).length > 0;
  }

  private async refuseOnSwarm(what: string): Promise<void> {
    if (await this.isSwarm())
      throw new StackError(
        'swarm_unsupported',
        `\`${what}\` works on the Compose stack only; this stack runs on Docker Swarm, which restarts stopped tasks itself.`,
      );
  }

  /**
   * Deploys (or updates) the stack on the Swarm this Engine manages: the gateway image built and tagged, the secrets
   * created from stack.env, compose's merged view of docker-compose.yml + docker-compose.swarm.yml deployed with
   * `docker stack deploy`, then waits until every service runs its replicas healthy and the proxy answers.
   * Re-running it with another image tag or replica count is a rolling update / a scale.
   */
  async upSwarm(options: SwarmUpOptions = {}): Promise<StackStatus> {
    const envFile = this.envFile();
    this.emit({ type: 'step', step: 'env-file', text: `${envFile.created ? 'Generated' : 'Using'} ${envFile.path}` });
    const docker = await this.docker();
    this.emit({
      type: 'step',
      step: 'engine',
      text: `Docker Engine ${this.engine!.version} at ${this.engine!.candidate.address}`,
    });
    if (!(await swarmManager(docker)))
      throw new StackError('swarm_inactive', 'This Docker Engine is not a Swarm manager.');
    const composeContainers = await docker.listContainers({
      all: true,
      filters: { label: [`${PROJECT_LABEL}=${this.project}`] },
    });
    // Swarm tasks carry compose's project label too; a Compose stack's containers have no stack label.
    if (composeContainers.some((c) => c.Labels?.[STACK_LABEL] === undefined))
      throw new StackError(
        'swarm_failed',
        'A Compose stack of the same name exists on this Engine; remove it first with `llm-gateway down` (it would hold the same ports and volumes).',
      );
    this.compose ??= await locateCompose(this.env);
    this.emit({ type: 'step', step: 'compose', text: `Docker Compose ${this.compose.version}` });
    const env = composeEnv(this.env, {
      DOCKER_HOST: this.engine!.candidate.dockerHost,
      // The compose file names its file secrets by this folder (interpolated even though Swarm uses its own).
      LLMGW_SECRETS_DIR: writeSecretFiles(this.home, envFile.values),
    });
    const replicas = options.replicas ?? 3;
    if (options.build !== false) {
      this.emit({ type: 'step', step: 'build', text: 'Building the gateway image (Swarm deploys it by tag)' });
      const base = composeBaseArgs(this.compose, {
        file: this.composeFile,
        envFile: envFile.path,
        project: this.project,
      });
      const built = await runCompose(this.compose, [...base, 'build', 'api-gateway'], env, (line) =>
        this.emit(parseProgressLine(line, this.project)),
      );
      if (built.code !== 0)
        throw new StackError(
          'compose_failed',
          `docker compose build failed (exit ${built.code}):\n  ${built.tail.slice(-12).join('\n  ')}`,
        );
    }
    const created = await ensureSecrets(docker, this.project, swarmSecretValues(envFile.values));
    this.emit({
      type: 'step',
      step: 'secrets',
      text: created.length ? `Created Swarm secrets ${created.join(', ')}` : 'Swarm secrets in place',
    });
    const dir = path.dirname(this.composeFile);
    const definition = toStackDefinition(
      await this.composeConfig(envFile.path, {
        ...env,
        LLMGW_REPLICAS: String(replicas),
        LLMGW_NGINX_CONF_VERSION: contentVersion(readFileSync(path.join(dir, 'nginx', 'nginx.conf'))),
        LLMGW_NGINX_ENTRYPOINT_VERSION: contentVersion(readFileSync(path.join(dir, 'nginx', 'entrypoint.sh'))),
      }),
    );
    const stackFile = path.join(this.home, 'swarm-stack.json');
    writeFileSync(stackFile, `${JSON.stringify(definition, null, 2)}\n`, { mode: 0o600 });
    this.emit({
      type: 'step',
      step: 'deploy',
      text: `docker stack deploy -c ${stackFile} ${this.project} (${replicas} gateways)`,
    });
    await runDockerCli(
      this.env.LLMGW_DOCKER_CLI || 'docker',
      ['stack', 'deploy', '--resolve-image', 'never', '-c', stackFile, this.project],
      env,
      (line) => this.emit({ type: 'message', text: line }),
    );
    await waitConverged(docker, this.project, options.timeoutMs ?? 300_000, (state) =>
      this.emit({
        type: 'step',
        step: 'converge',
        text: Object.entries(state.services)
          .map(([name, { running, desired }]) => `${name} ${running}/${desired}`)
          .join(', '),
      }),
    );
    return this.status();
  }

  /** `docker compose config --format json` over the base file and the Swarm overlay (stdout only). */
  private composeConfig(envFile: string, env: NodeJS.ProcessEnv): Promise<string> {
    const overlay = path.join(path.dirname(this.composeFile), SWARM_OVERLAY_FILE);
    const args = [
      ...this.compose!.prefix,
      '--ansi',
      'never',
      '-p',
      this.project,
      '-f',
      this.composeFile,
      '-f',
      overlay,
      '--env-file',
      envFile,
      'config',
      '--format',
      'json',
    ];
    return new Promise((resolve, reject) => {
      execFile(
        this.compose!.command,
        args,
        { env, maxBuffer: 16 * 1024 * 1024, timeout: 60_000 },
        (err, stdout, stderr) =>
          err
            ? reject(new StackError('compose_failed', `docker compose config failed: ${stderr.trim() || err.message}`))
            : resolve(stdout),
      );
    });
  }

  /** `docker stack rm`, then waits until its containers and network are gone; secrets, configs (and volumes) too. */
  private async downSwarm(options: { volumes?: boolean }): Promise<void> {
    const docker = await this.docker();
    this.emit({ type: 'step', step: 'down', text: `docker stack rm ${this.project}` });
    await runDockerCli(
      this.env.LLMGW_DOCKER_CLI || 'docker',
      ['stack', 'rm', this.project],
      composeEnv(this.env, { DOCKER_HOST: this.engine!.candidate.dockerHost }),
      (line) => this.emit({ type: 'message', text: line }),
    );
    await waitRemoved(docker, this.project, 120_000);
    await removeSecretsAndConfigs(docker, this.project);
    if (options.volumes) {
      for (const volume of ['pgdata', 'redisdata'])
        await docker
          .getVolume(`${this.project}_${volume}`)
          .remove()
          .catch((err: { statusCode?: number; message: string }) => {
            if (err.statusCode !== 404)
              throw new StackError('engine_failed', `Volume ${this.project}_${volume}: ${err.message}`);
          });
    }
  }

  async stop(): Promise<StackStatus> {
    await this.refuseOnSwarm('stop');
    const containers = await this.containers();
    this.emit({ type: 'step', step: 'stop', text: containers.length ? 'Stopping the stack' : 'No stack to stop' });
    await stopContainers(await this.docker(), containers, { onEvent: (e) => this.emit(e) });
    return this.status();
  }

  /** Starts the stopped stack in order, gated on health; with no stack yet, runs `up`. */
  async start(): Promise<StackStatus> {
    await this.refuseOnSwarm('start');
    const containers = await this.containers();
    if (
      containers.length === 0 ||
      !['nginx', 'api-gateway', 'postgres', 'redis'].every((s) => containers.some((c) => c.service === s))
    ) {
      this.emit({ type: 'step', step: 'start', text: 'No complete stack yet: running up' });
      return this.up();
    }
    this.emit({ type: 'step', step: 'start', text: 'Starting the stack' });
    const ours = new Set(
      containers.filter((c) => c.state === 'running').flatMap((c) => c.ports.map((p) => p.hostPort)),
    );
    await assertPortsFree(stackPorts(effectiveValues(this.envFile().values, this.env)), ours);
    await startContainers(await this.docker(), containers, { onEvent: (e) => this.emit(e) });
    return this.status();
  }

  /** Restarts one service's containers (all replicas, one after the other so the service stays up). */
  async restart(service: string): Promise<StackStatus> {
    await this.refuseOnSwarm('restart');
    const containers = (await this.containers()).filter((c) => c.service === service);
    if (containers.length === 0) throw new StackError('unknown_service', `The stack has no service '${service}'.`);
    const docker = await this.docker();
    for (const container of containers) {
      this.emit({ type: 'step', step: 'restart', text: `Restarting ${container.name}` });
      await stopContainers(docker, [container], { onEvent: (e) => this.emit(e) });
      await startContainers(docker, [{ ...container, state: 'exited' }], { onEvent: (e) => this.emit(e) });
    }
    return this.status();
  }

  async logs(service: string, options: LogOptions, out: Writable, err?: Writable, signal?: AbortSignal): Promise<void> {
    const all = await this.containers();
    if (all.length === 0) throw new StackError('not_created', 'The stack does not exist yet.');
    const containers = all.filter((c) => c.service === service || c.name === service);
    if (containers.length === 0) {
      throw new StackError(
        'unknown_service',
        `The stack has no service '${service}' (it has: ${[...new Set(all.map((c) => c.service))].join(', ')}).`,
      );
    }
    await streamLogs(await this.docker(), containers, options, out, err, signal);
  }

  /** Every log line of every container that carries this request id, in time order (nginx and the replicas). */
  async requestLogs(requestId: string): Promise<RequestLogLine[]> {
    const all = await this.containers();
    if (all.length === 0) throw new StackError('not_created', 'The stack does not exist yet.');
    return findRequestLogs(await this.docker(), all, requestId);
  }

  /** One stream of start/die/health_status events for the project's containers. */
  async events(onEvent: (event: StackEvent) => void): Promise<EventSubscription> {
    return watchEvents(await this.docker(), onEvent, this.project);
  }
}
