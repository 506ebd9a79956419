// The HTTPS card's data: the CA path under the app's home (POSIX and Windows separators) and one trust step per
// client and OS, each naming that CA file.
import { describe, expect, it } from 'vitest';
import { localCaPath, tlsTrustSteps } from './tls-help.js';

describe('tls help', () => {
  it('puts the CA under LLMGW_HOME/tls/local with the home folder separator', () => {
    expect(localCaPath('/home/u/.config/llm-gateway')).toBe('/home/u/.config/llm-gateway/tls/local/ca.pem');
    expect(localCaPath('C:\\Users\\u\\AppData\\Roaming\\llm-gateway\\')).toBe(
      'C:\\Users\\u\\AppData\\Roaming\\llm-gateway\\tls\\local\\ca.pem',
    );
  });

  it('gives curl, Node, Python and the three OS stores, each with the CA file and the port', () => {
    const steps = tlsTrustSteps('/h/tls/local/ca.pem', 8443);
    expect(steps.map((s) => s.label)).toEqual([
      'curl',
      'Node (openai, @anthropic-ai/sdk)',
      'Python (openai, httpx, requests)',
      'Linux (system store)',
      'macOS',
      'Windows (elevated)',
    ]);
    for (const step of steps) expect(step.command).toContain('"/h/tls/local/ca.pem"');
    expect(steps[0]!.command).toBe('curl --cacert "/h/tls/local/ca.pem" https://localhost:8443/health');
  });
});
