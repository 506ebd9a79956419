// The Overview's HTTPS card: whether the stack serves HTTPS, and, with the locally generated certificate, where the
// CA certificate is and how to trust it on each OS (the same steps as README "TLS"). The steps are plain data
// (tlsTrustSteps) so they are tested without a DOM; tlsCard renders them.
import type { ControlState } from '../bridge/types.js';
import { h } from '../ui/dom.js';

export interface TrustStep {
  label: string;
  command: string;
}

/** `$LLMGW_HOME/tls/local/ca.pem` with the home folder's own separator (Windows paths use backslashes). */
export function localCaPath(home: string): string {
  const sep = home.includes('\\') && !home.includes('/') ? '\\' : '/';
  return [home.replace(/[\\/]+$/, ''), 'tls', 'local', 'ca.pem'].join(sep);
}

export function tlsTrustSteps(caFile: string, port: number): TrustStep[] {
  const q = `"${caFile}"`;
  return [
    { label: 'curl', command: `curl --cacert ${q} https://localhost:${port}/health` },
    { label: 'Node (openai, @anthropic-ai/sdk)', command: `NODE_EXTRA_CA_CERTS=${q} node app.js` },
    { label: 'Python (openai, httpx, requests)', command: `SSL_CERT_FILE=${q} python app.py` },
    {
      label: 'Linux (system store)',
      command: `sudo cp ${q} /usr/local/share/ca-certificates/llm-gateway.crt && sudo update-ca-certificates`,
    },
    {
      label: 'macOS',
      command: `sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${q}`,
    },
    { label: 'Windows (elevated)', command: `certutil -addstore -f Root ${q}` },
  ];
}

export function tlsCard(state: ControlState): HTMLElement {
  const tls = state.settings.tls;
  if (!tls.enabled) {
    return h(
      'div',
      { class: 'card wide', 'data-testid': 'tls' },
      h('p', {}, 'HTTPS is off. Turn it on with `llm-gateway up --tls` or the setting tls.enabled (stack mode).'),
    );
  }
  const own = tls.certFile !== null;
  const caFile = localCaPath(state.paths.home);
  return h(
    'div',
    { class: 'card wide', 'data-testid': 'tls' },
    h('p', {}, `HTTPS: https://localhost:${tls.port}/v1`, tls.redirectHttp ? ' (HTTP redirects to it)' : ''),
    own
      ? h('p', {}, `Certificate: your own (${tls.certFile}); HSTS is sent.`)
      : h(
          'div',
          {},
          h(
            'p',
            {},
            'Certificate: made by a local CA on this machine. Trust the CA once so clients accept it: ',
            h('code', {}, caFile),
          ),
          h(
            'dl',
            { class: 'trust-steps' },
            ...tlsTrustSteps(caFile, tls.port).flatMap((step) => [
              h('dt', {}, step.label),
              h('dd', {}, h('code', {}, step.command)),
            ]),
          ),
        ),
  );
}
