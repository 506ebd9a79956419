// The bash completion script printed by the built CLI, sourced into a real bash: COMP_WORDS/COMP_CWORD as bash
// sets them when Tab is pressed, then the function the script registered with `complete`.
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli } from './run-cli.js';

let script = '';

function complete(words: string[]): string[] {
  const line = words.map((w) => `'${w}'`).join(' ');
  const out = execFileSync(
    'bash',
    [
      '--norc',
      '-c',
      `eval "$SCRIPT"
complete -p llm-gateway >/dev/null || exit 9
COMP_WORDS=(${line}); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
_llm_gateway
printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { env: { PATH: process.env.PATH, SCRIPT: script }, encoding: 'utf8' },
  );
  return out.split('\n').filter(Boolean).sort();
}

describe('llm-gateway completion', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    assertBuilt();
    const result = await runCli(['completion', 'bash']);
    expect(result.code, result.stderr).toBe(0);
    script = result.stdout;
  });

  it('bash completes commands, subcommands, options and argument choices', () => {
    expect(complete(['llm-gateway', 'mo'])).toEqual(['models']);
    expect(complete(['llm-gateway', 'models', 'p'])).toEqual(['ps', 'pull']);
    expect(complete(['llm-gateway', 'keys', 'r'])).toEqual(['revoke', 'rotate']);
    expect(complete(['llm-gateway', 'keys', 'rotate', '--g'])).toEqual(['--grace-hours']);
    expect(complete(['llm-gateway', 'usage', '--'])).toEqual([
      '--from',
      '--help',
      '--json',
      '--key',
      '--model',
      '--to',
    ]);
    expect(complete(['llm-gateway', 'logs', ''])).toEqual([
      'api-gateway',
      'grafana',
      'nginx',
      'ollama',
      'ollama-forwarder',
      'postgres',
      'prometheus',
      'redis',
    ]);
    expect(complete(['llm-gateway', 'logs', '--re'])).toEqual(['--request-id']);
    expect(complete(['llm-gateway', 'completion', ''])).toEqual(['bash', 'fish', 'zsh']);
    expect(complete(['llm-gateway', 'help', 'ke'])).toEqual(['keys']);
    // Options before the subcommand do not lose the place.
    expect(complete(['llm-gateway', 'models', '--help', 'sh'])).toEqual(['show']);
  });

  it('zsh and fish scripts name the same commands; an unknown shell is a usage error', async () => {
    const zsh = await runCli(['completion', 'zsh']);
    expect(zsh.stdout).toMatch(/^#compdef llm-gateway/);
    expect(zsh.stdout).toContain('"models") reply=(list ls pull rm delete show ps --help)');
    const fish = await runCli(['completion', 'fish']);
    expect(fish.stdout).toContain(
      "complete -c llm-gateway -n '__fish_seen_subcommand_from models' -a 'list ls pull rm delete show ps'",
    );
    const bad = await runCli(['completion', 'tcsh']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Allowed choices are bash, zsh, fish.');
  });
});
