// tests: beyond ping (tcp, http, command) in the file: one thing per test, keys of its type, expect values of its
// type, targets that parse (HOST:PORT, http:// URLs, a namespace with an address), patterns and durations; each
// at its line:col.
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../src/errors.js';
import { formatProblems, validateText } from '../../src/validate/index.js';

const at = (p: Problem) => `${p.pos!.line}:${p.pos!.col}`;
/** Namespaces a (10.0.0.1) and b (10.0.0.2), c (no address); the tests from line 10, one per line (column 5). */
const lab = (...tests: string[]) => `name: lab
namespaces:
  a: {}
  b: {}
  c: {}
veths:
  - ends: [{ name: eth0, namespace: a, addresses: [10.0.0.1/24] }, { name: eth0, namespace: b, addresses: [10.0.0.2/24] }]
tests:
  - { from: a, ping: b }
${tests.map((t) => `  - ${t}\n`).join('')}`;
const check = (text: string) => validateText(text, 'lab.yaml');
const problems = (...tests: string[]) => check(lab(...tests)).problems.map((p) => `${at(p)} ${formatProblems('lab.yaml', [p]).split('\n').slice(0, 2).join(' |').replace(/^lab\.yaml:\d+:\d+: /, '').replace(/\s+hint:/, ' hint:')}`);
const warnings = (...tests: string[]) => check(lab(...tests)).warnings.map((p) => `${at(p)} ${p.message}`);

describe('tests: valid', () => {
  it('tcp, http and command tests, with until and interval', () => {
    const r = check(lab('{ from: a, tcp: "b:80" }', '{ from: a, tcp: "10.0.0.2:22", expect: closed, until: 30s, interval: 500ms }',
      '{ from: a, tcp: "[fd00::2]:80", expect: refused }', '{ from: a, http: "http://b:8000/index.html", status: 404, until: 5 }',
      '{ from: a, http: "http://web.lab.test/" }', '{ from: b, command: [getent, hosts, a], output: "^10\\\\.0\\\\.0\\\\.1" }', '{ from: host, command: "true", exit: 0 }'));
    expect(r.problems, formatProblems('lab.yaml', r.problems)).toEqual([]);
    expect(r.warnings).toEqual([]);
  });
});

describe('tests: refused', () => {
  it('none or two things to do', () => {
    expect(problems('{ from: a, expect: open }')).toEqual(['10:5 error: the test says nothing to do | hint: give it one of ping, tcp, http or command']);
    expect(problems('{ from: a, ping: b, tcp: "b:80" }')).toEqual(['10:25 error: a test does one thing: this one has ping and tcp | hint: give it one of ping, tcp, http or command']);
  });

  it('keys and expectations of another type', () => {
    expect(problems('{ from: a, tcp: "b:80", expect: reachable, status: 200 }')).toEqual([
      '10:37 error: a tcp test can\'t expect "reachable" | hint: one of open, refused, unreachable, timeout, closed',
      '10:48 error: status is for http tests, not tcp',
    ]);
    expect(problems('{ from: a, http: "http://b/", expect: open }')).toEqual(['10:43 error: an http test can\'t expect "open" | hint: an http test expects a status: (default 200)']);
    expect(problems('{ from: a, command: ["true"], external: true }')).toEqual(['10:35 error: external is for ping tests, not command']);
  });

  it('targets: HOST:PORT, http URLs, a namespace without an address', () => {
    expect(problems('{ from: a, tcp: "b" }', '{ from: a, tcp: "fd00::2:80" }', '{ from: a, tcp: "b:70000" }', '{ from: a, tcp: "c:80" }',
      '{ from: a, http: "ftp://b/" }', '{ from: a, http: "b:80" }', '{ from: a, tcp: "10.0.0.300:80" }')).toEqual([
      '10:21 error: tcp: "b": expected HOST:PORT, e.g. web:80 or "[fd00::2]:80"',
      '11:21 error: tcp: "fd00::2:80": an IPv6 address goes in brackets: "[fd00::2]:80"',
      '12:21 error: tcp: "b:70000": port 70000 is not 1..65535',
      '13:21 error: namespace "c" has no address to connect to | hint: give one of its interfaces an address, or name an address',
      '14:22 error: http: "ftp://b/": ftp: URLs are not tested, only http: and https:',
      '15:22 error: http: "b:80": b: URLs are not tested, only http: and https:',
      '16:21 error: "10.0.0.300" is not an IPv4 or IPv6 address',
    ]);
  });

  it('an output pattern that is no regular expression, an empty command, durations', () => {
    expect(problems('{ from: a, command: "true", output: "(" }', '{ from: a, command: " " }', '{ from: a, ping: b, until: soon }',
      '{ from: a, ping: b, until: 20m }', '{ from: a, ping: b, until: 1, interval: 1ms }')).toEqual([
      '10:41 error: output: "(" is not a regular expression: /(/m: Unterminated group',
      '11:25 error: the command is empty',
      '12:32 error: until: "soon" is not a duration | hint: seconds, or e.g. 500ms, 30s, 2m',
      '13:32 error: until: 20m is more than 10 minutes',
      '14:45 error: interval: 1ms is less than 10 ms',
    ]);
  });
});

describe('tests: warned about', () => {
  it('interval without until; a host name close to a namespace\'s; a test of its own namespace', () => {
    expect(warnings('{ from: a, ping: b, interval: 1 }', '{ from: a, tcp: "bb:80" }', '{ from: a, http: "http://a/" }')).toEqual([
      '10:25 interval without until: the test is tried once',
      '11:21 "bb" is no namespace of the lab: it is resolved in namespace "a" (did you mean "b"?)',
      '12:22 the http test connects to its own namespace "a"',
    ]);
  });
});
