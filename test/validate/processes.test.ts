// run: in the file: what the schema refuses (a spec without cmd, an unknown key, a port out of range) and what the
// process kind's check does (after: naming no process, with did-you-mean; itself; a cycle; ready with no check or
// several; relative paths; a bad timeout; a process on host; a name used twice; a user or group unknown to the
// machine; restart settings without restart: on-failure), each at its line:col.
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../src/errors.js';
import { formatProblems, validateText } from '../../src/validate/index.js';

const at = (p: Problem) => `${p.pos!.line}:${p.pos!.col}`;
/** Namespace a (its run: from line 5) and b, one veth between them. */
const lab = (run: string, more = '') => `name: lab
namespaces:
  a:
    run:
${run.split('\n').map((l) => `      ${l}\n`).join('')}  b: {}
${more}veths:
  - ends: [{ name: eth0, namespace: a, addresses: [10.0.0.1/24] }, { name: eth0, namespace: b, addresses: [10.0.0.2/24] }]
`;
const check = (text: string) => validateText(text, 'lab.yaml');
const problems = (text: string) => check(text).problems.map((p) => `${at(p)} ${formatProblems('lab.yaml', [p]).split('\n').slice(0, 2).join(' | ').replace(/^lab\.yaml:\d+:\d+: /, '')}`);

describe('run: valid', () => {
  it('argv and a shell line, env, cwd, each ready check, timeouts, after', () => {
    const r = check(lab([
      'web: { cmd: [python3, -m, http.server, "80"], env: { A: "1" }, cwd: /tmp, ready: { tcp: 80, timeout: 10s } }',
      'db: { cmd: "exec sleep 100", ready: { file: /run/db.ready, timeout: 2 } }',
      'app: { cmd: [sleep, "100"], after: [web, db], ready: { command: "true", timeout: 500ms } }',
    ].join('\n')));
    expect(r.problems, formatProblems('lab.yaml', r.problems)).toEqual([]);
    expect(r.warnings).toEqual([]);
  });
});

describe('run: refused', () => {
  it('by the schema: no cmd, an unknown key, a port out of range', () => {
    expect(problems(lab('web: { env: { A: "1" } }'))).toEqual([expect.stringMatching(/^5:12 error: .*cmd/)]);
    expect(problems(lab('web: { cmd: "x", restrat: no }'))).toEqual([expect.stringMatching(/^5:24 error: unknown key "restrat"/)]);
    expect(problems(lab('web: { cmd: "x", restart: always }'))).toEqual([expect.stringMatching(/^5:33 error: .*(no|on-failure)/)]);
    expect(problems(lab('web: { cmd: "x", restart: on-failure, max_restarts: 0 }'))).toEqual([expect.stringMatching(/^5:59 error: /)]);
    expect(problems(lab('web: { cmd: "x", user: "a:b" }'))).toEqual([expect.stringMatching(/^5:30 error: /)]);
    expect(problems(lab('web: { cmd: "x", ready: { tcp: 70000 } }'))).toEqual([expect.stringMatching(/^5:38 error: /)]);
  });

  it('after: an unknown process (did you mean), itself, a cycle', () => {
    expect(problems(lab('web: { cmd: "x" }\napp: { cmd: "y", after: [wbe] }'))).toEqual([
      '6:32 error: after: "wbe" is no process of the lab (did you mean "web"?)',
    ]);
    expect(problems(lab('web: { cmd: "x", after: [web] }'))).toEqual(['5:32 error: process "web" can\'t start after itself']);
    expect(problems(lab('p1: { cmd: "x", after: [p2] }\np2: { cmd: "y", after: [p3] }\np3: { cmd: "z", after: [p1] }'))).toEqual([
      '5:30 error: processes start after each other in a circle: p1 after p2 after p3 after p1',
    ]);
  });

  it('ready with no check or two, relative paths, a bad timeout', () => {
    expect(problems(lab('web: { cmd: "x", ready: { timeout: 5 } }'))).toEqual(['5:31 error: ready has no check: give tcp, command or file']);
    expect(problems(lab('web: { cmd: "x", ready: { tcp: 80, file: /x } }'))).toEqual(['5:31 error: ready has tcp and file: give one check']);
    expect(problems(lab('web: { cmd: "x", cwd: srv, ready: { file: run/x, timeout: forever } }'))).toEqual([
      '5:29 error: cwd "srv" is not an absolute path',
      '5:49 error: ready file "run/x" is not an absolute path',
      expect.stringMatching(/^5:65 error: timeout "forever" is not a duration/),
    ]);
  });

  it('user and group unknown to this machine (did you mean), numbers taken as they are; restart settings without restart', () => {
    const known = { users: new Set(['root', 'nobody', 'www-data']), groups: new Set(['root', 'nogroup']) };
    const withUsers = (text: string) => validateText(text, 'lab.yaml', { knownUsers: known }).problems
      .map((p) => `${at(p)} ${formatProblems('lab.yaml', [p]).split('\n')[0].replace(/^lab\.yaml:\d+:\d+: /, '')}`);
    expect(withUsers(lab('web: { cmd: "x", user: nobdy, group: nogrop }\nn: { cmd: "y", user: 4242, group: 77 }\nw: { cmd: "z", user: www-data }'))).toEqual([
      '5:30 error: user "nobdy" is not in this machine\'s /etc/passwd (did you mean "nobody"?)',
      '5:44 error: group "nogrop" is not in this machine\'s /etc/group (did you mean "nogroup"?)',
    ]);
    // Without the machine's names (not read), not checked.
    expect(problems(lab('web: { cmd: "x", user: nobdy }'))).toEqual([]);
    expect(problems(lab('web: { cmd: "x", max_restarts: 3, restart_delay: 2s }'))).toEqual([
      '5:24 error: max_restarts is for restart: on-failure (this process is not restarted) |   hint: add restart: on-failure, or drop it',
      '5:41 error: restart_delay is for restart: on-failure (this process is not restarted) |   hint: add restart: on-failure, or drop it',
    ]);
    expect(problems(lab('web: { cmd: "x", restart: on-failure, restart_delay: 0 }'))).toEqual([
      expect.stringMatching(/^5:60 error: restart_delay 0 is not a duration of more than 0/),
    ]);
    expect(problems(lab('web: { cmd: "x", restart: on-failure, max_restarts: 3, restart_delay: 100ms }'))).toEqual([]);
  });

  it('a process on host; a name used in two namespaces', () => {
    expect(problems(lab('web: { cmd: "x" }', '  host:\n    run: { hostly: { cmd: "y" } }\n'))).toEqual([
      '8:5 error: run: is for lab namespaces: topo starts no process in the host namespace',
    ]);
    expect(problems(lab('web: { cmd: "x" }', '  c:\n    run: { web: { cmd: "y" } }\n'))).toEqual([
      expect.stringMatching(/^8:12 error: process "web" is declared twice: process names are unique across the lab/),
    ]);
  });
});
