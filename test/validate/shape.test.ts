// `shape:` in the file: the schema's forms and the checks it can't express, each at its line:col — tc's units (a
// rate in bytes per second refused with why), what needs what (jitter and reorder a delay, burst and latency a
// rate), a burst smaller than a frame, the escape hatch alone and without topo's words, and a kernel without the
// qdisc (this machine's: no sch_netem) refused up front where its configuration says so, never where it can't be read.
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../src/errors.js';
import { formatProblems, validateText } from '../../src/validate/index.js';

const at = (p: Problem) => `${p.pos!.line}:${p.pos!.col}`;
const lab = (shape: string, end = '') => `name: lab
namespaces:
  a: {}
veths:
  - ends:
      - { name: eth0, namespace: a${end}, shape: { ${shape} } }
      - { name: eth0 }
`;
const problems = (text: string, o = {}) => validateText(text, 'lab.yaml', o).problems;
const one = (text: string, o = {}) => {
  const ps = problems(text, o);
  expect(ps, formatProblems('lab.yaml', ps)).toHaveLength(1);
  return { where: at(ps[0]), text: formatProblems('lab.yaml', ps) };
};
/** This machine's kernel: tbf, htb, fifo built in; no netem, fq_codel. */
const kernel = { kernelConfig: (o: string) => ['NET_SCH_TBF', 'NET_SCH_HTB', 'NET_SCH_FIFO'].includes(o) };

describe('shape: valid', () => {
  it('the common case in one line, tbf with every option, netem with every option and a tbf, the escape hatch', () => {
    expect(problems(lab('rate: 10mbit'))).toEqual([]);
    expect(problems(lab('rate: 1Gbit, burst: 64kb, latency: 20ms'))).toEqual([]);
    expect(problems(lab('rate: 500kbit, burst: 1600, limit: 3000'))).toEqual([]);
    expect(problems(lab('delay: 20ms, jitter: 5ms, loss: 1%, duplicate: 0.5%, corrupt: 0.1%, reorder: 25%, rate: 1mbit'))).toEqual([]);
    expect(problems(lab('qdisc: "htb default 10"'))).toEqual([]);
    expect(problems(lab('rate: 10mbit'), kernel)).toEqual([]);
    expect(problems(lab('qdisc: "pfifo limit 100"'), kernel)).toEqual([]);
  });

  it('on a bridge (both places), a macvlan and a vxlan', () => {
    const text = `name: lab
namespaces:
  a:
    bridges: { br1: { shape: { rate: 1mbit } } }
    macvlans: { mv0: { parent: br1, shape: { rate: 2mbit } } }
    vxlans: { vx0: { id: 5, remote: 10.0.0.2, shape: { rate: 3mbit } } }
bridges:
  br0: { shape: { rate: 4mbit } }
`;
    expect(problems(text)).toEqual([]);
  });
});

describe('shape: refused at its line:col', () => {
  it('tc\'s bytes-per-second units, unknown units, bad sizes and times', () => {
    const p = one(lab('rate: 10mbps'));
    expect(p.where).toBe('6:52');
    expect(p.text).toContain('error: rate: "10mbps": tc reads mbps as bytes per second; write the rate in bits per second (e.g. 80mbit)');
    expect(one(lab('rate: 10mbits')).text).toContain('unknown unit "mbits"');
    expect(one(lab('rate: 1mbit, burst: 2furlongs')).text).toContain('burst: "2furlongs" is not a size');
    expect(one(lab('delay: 20')).text).toContain('error: "delay" must be a string, not the number 20');
    expect(one(lab('loss: 1')).text).toContain('error: "loss" must be a string, not the number 1');
    expect(one(lab('loss: 101%')).text).toContain('loss: "101%": at most 100%');
  });

  it('what needs what: jitter and reorder a delay, burst/latency/limit a rate, latency or limit', () => {
    expect(one(lab('jitter: 5ms')).text).toContain('error: jitter needs a delay (netem varies the delay)');
    expect(one(lab('reorder: 25%')).text).toContain('error: reorder needs a delay');
    expect(one(lab('burst: 32kb')).text).toContain('error: burst needs a rate (tbf shapes to a rate; burst is its bucket)');
    const both = one(lab('rate: 1mbit, latency: 20ms, limit: 3000'));
    expect(both.text).toContain('error: limit: not with latency');
    expect(one(lab('')).text).toContain('error: shape of eth0: nothing to shape');
  });

  it('a burst smaller than a full frame at the interface\'s MTU (the kernel drops larger packets), and a limit below the burst', () => {
    const p = one(lab('rate: 1mbit, burst: 1000'));
    expect(p.where).toBe('6:66');
    expect(p.text).toContain('error: burst 1000 is less than a full frame on eth0 (1514 bytes at MTU 1500): the kernel drops every packet larger than the burst');
    expect(p.text).toContain('at least 1514; left out, it is 1600');
    expect(one(lab('rate: 1mbit, burst: 2000', ', mtu: 9000')).text).toContain('(9014 bytes at MTU 9000)');
    expect(one(lab('rate: 1mbit, burst: 2000, limit: 1800')).text).toContain('limit 1800 is less than the burst (2000)');
  });

  it('the escape hatch: alone, without the words topo writes', () => {
    expect(one(lab('qdisc: "pfifo", rate: 1mbit')).text).toContain('error: rate: not with qdisc');
    expect(one(lab('qdisc: "pfifo handle 1:"')).text).toContain('error: qdisc: "handle" is topo\'s to write');
    expect(one(lab('qdisc: "tbf; reboot"')).text).toContain('error: "qdisc": invalid value "tbf; reboot" (must match pattern');
  });
});

describe('shape: a kernel without the qdisc', () => {
  it('netem on this kernel (no sch_netem): refused at the first netem field, naming the module, before anything runs', () => {
    const p = one(lab('rate: 1mbit, delay: 20ms, loss: 1%'), kernel);
    expect(p.where).toBe('6:66');
    expect(p.text).toContain('error: delay: this kernel has no netem queueing discipline (CONFIG_NET_SCH_NETEM is not set: no module sch_netem); tc would refuse it with "Specified qdisc kind is unknown"');
    expect(p.text).toContain('needs a kernel with the module sch_netem');
    expect(one(lab('loss: 1%'), kernel).text).toContain('error: loss: this kernel has no netem');
  });

  it('the escape hatch\'s kind too (fq_codel here); an unknown kind or an unreadable configuration is left to the kernel', () => {
    expect(one(lab('qdisc: "fq_codel limit 1000"'), kernel).text).toContain('error: qdisc: this kernel has no fq_codel queueing discipline (CONFIG_NET_SCH_FQ_CODEL is not set: no module sch_fq_codel)');
    expect(problems(lab('qdisc: "mystery"'), kernel)).toEqual([]);
    expect(problems(lab('delay: 20ms'), { kernelConfig: () => undefined })).toEqual([]);
    expect(problems(lab('delay: 20ms'))).toEqual([]);
  });
});
