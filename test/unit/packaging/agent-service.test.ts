// The agent's service definitions pass conf/ciagent.env's CIAGENT_HTTP (sps_setup's
// drweb_port) to ciagent, and nothing when the file is absent or empty: the Dr-Web pages
// stay off by default. The init script and the SMF start method are run for real with a
// stand-in csps_ciagent_ctl that prints the arguments it was given.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AGENT_SMF_START, INIT_SCRIPT, smfManifest, systemdUnit, withPrefix } from '../../../packaging/services.js';
import { agentEnvText } from '../../../src/cli/sps-setup/drweb.js';

describe('agent service: Dr-Web options from conf/ciagent.env', () => {
  let prefix: string;
  const argsFile = () => path.join(prefix, 'ctl-args');
  const setEnv = (text: string | undefined) => {
    const f = path.join(prefix, 'conf', 'ciagent.env');
    if (text === undefined) rmSync(f, { force: true });
    else writeFileSync(f, text);
  };
  const lastArgs = () => readFileSync(argsFile(), 'utf8').trim().split('\n');
  const ON = agentEnvText({ address: '10.0.0.5', port: '8444', certFile: '/opt/sps/data/ciagent/drweb-cert.pem', keyFile: '/opt/sps/data/ciagent/drweb-key.pem' });
  const ON_ARGS = ['--http', '10.0.0.5:8444', '--http-cert', '/opt/sps/data/ciagent/drweb-cert.pem', '--http-key', '/opt/sps/data/ciagent/drweb-key.pem'];

  before(() => {
    prefix = mkdtempSync(path.join(tmpdir(), 'agent-service-'));
    mkdirSync(path.join(prefix, 'bin'));
    mkdirSync(path.join(prefix, 'conf'));
    // Stand-ins: bin/sip does nothing, csps_ciagent_ctl writes one argument a line.
    writeFileSync(path.join(prefix, 'bin', 'sip'), '#!/bin/sh\nexit 0\n');
    writeFileSync(path.join(prefix, 'bin', 'csps_ciagent_ctl'), `#!/bin/sh\nfor a in "$@"; do echo "$a"; done > '${argsFile()}'\n`);
    for (const f of ['sip', 'csps_ciagent_ctl']) chmodSync(path.join(prefix, 'bin', f), 0o755);
  });
  after(() => rmSync(prefix, { recursive: true, force: true }));

  test('systemd unit: optional EnvironmentFile, $CIAGENT_HTTP on the command line', () => {
    const unit = systemdUnit('ciagent', '/opt/sps');
    assert.match(unit, /^EnvironmentFile=-\/opt\/sps\/conf\/ciagent\.env$/m);
    assert.match(unit, /^ExecStart=\/opt\/sps\/bin\/ciagent -f .* \$CIAGENT_HTTP$/m);
  });

  test('agentEnvText: off is an empty CIAGENT_HTTP; IPv6 addresses bracketed', () => {
    assert.match(agentEnvText(undefined), /^CIAGENT_HTTP=$/m);
    assert.match(agentEnvText({ address: '2001:db8::1', port: '8444', certFile: '/c', keyFile: '/k' }), /^CIAGENT_HTTP="--http \[2001:db8::1\]:8444 --http-cert \/c --http-key \/k"$/m);
  });

  const runInit = () => {
    const script = path.join(prefix, 'sip-init');
    writeFileSync(script, withPrefix(INIT_SCRIPT, prefix), { mode: 0o755 });
    const r = spawnSync('/bin/sh', [script, 'start'], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  };
  const runSmf = () => {
    const xml = smfManifest(true);
    assert.ok(xml.includes(AGENT_SMF_START), 'the manifest carries the start method');
    // What svc.startd runs: the exec attribute (nothing in it needs XML escaping), through the shell.
    const exec = withPrefix(AGENT_SMF_START, prefix);
    const r = spawnSync('/bin/sh', ['-c', exec], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  };

  for (const [name, run] of [['init script', runInit], ['SMF start method', runSmf]] as const) {
    test(`${name}: no file or an empty CIAGENT_HTTP adds nothing; the pages' options when set`, () => {
      setEnv(undefined);
      run();
      assert.deepEqual(lastArgs(), ['start', '--agentx', `${prefix}/data/agentx`, '--agentx-group', 'csps']);
      setEnv(agentEnvText(undefined));
      run();
      assert.equal(lastArgs().length, 5);
      setEnv(ON);
      run();
      assert.deepEqual(lastArgs().slice(5), ON_ARGS);
    });
  }
});
