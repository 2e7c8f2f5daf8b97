// Validation of `rules:` (the rule kind's check): each problem where it is written, with why, and did-you-mean
// where a name or priority is referenced.
import { describe, expect, it } from 'vitest';
import { formatProblems, validateText } from '../../src/validate/index.js';

const HEAD = `name: lab
tables: { wan1: 100, wan2: 101 }
veths:
  - ends: [{ name: up1, namespace: m, addresses: [10.0.1.2/24] }, { name: x1 }]
namespaces:
  m:
    rules:
`;
/** Line 8 is the first rule. */
const check = (rules: string, extra = '') => {
  const r = validateText(`${HEAD}${rules}${extra}`, 'lab.yaml');
  return [...r.problems, ...r.warnings].map((p) => `${p.pos!.line}:${p.pos!.col} ${p.severity ?? 'error'} ${p.message}${p.hint ? ` | ${p.hint}` : ''}`);
};

describe('rules: validation', () => {
  it('accepts every selector and action, IPv4 and IPv6 at one priority, names and numbers of tables', () => {
    const r = validateText(`${HEAD}      - { priority: 100, from: 10.0.1.2, table: wan1 }
      - { priority: 100, from: "fd01::2", table: wan1 }
      - { priority: 101, from: 10.0.2.0/24, to: 192.0.2.0/24, iif: up1, oif: lo, fwmark: "0x10/0xff", table: 7 }
      - { priority: 102, fwmark: 7, goto: 200 }
      - { priority: 103, action: blackhole, to: 198.51.100.0/24 }
      - { priority: 104, action: unreachable, family: 6 }
      - { priority: 105, action: prohibit, fwmark: "0/0xffffffff" }
      - { priority: 200, table: main }
      - { priority: 32765, table: default }
`, 'lab.yaml');
    expect(r.problems, formatProblems('lab.yaml', r.problems)).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it.each([
    ['the kernel\'s own priorities', '      - { priority: 32766, table: wan1 }\n',
      '8:21 error priority 32766 is the kernel\'s own rule (lookup main), which every namespace has: topo never adds or deletes it | pick a priority from 1 to 32765: the lower, the earlier it is tried'],
    ['a priority after the kernel\'s last rule', '      - { priority: 40000, table: wan1 }\n',
      '8:21 error priority 40000 comes after the kernel\'s last rule (32767, lookup default) | pick a priority from 1 to 32765: the lower, the earlier it is tried'],
    ['two rules of one family at one priority', '      - { priority: 10, table: wan1 }\n      - { priority: 10, from: 10.9.0.0/16, table: wan2 }\n',
      '9:21 error priority 10 is given to two IPv4 rules in namespace "m" (see line 8) | one rule per priority: the kernel tries rules by priority, and two at one would go in the order they were added'],
    ['a table the file doesn\'t name', '      - { priority: 10, table: wan3 }\n',
      '8:32 error table "wan3" is not a table name of namespace "m" (did you mean "wan1"?) | name it under "tables:" (e.g. tables: { wan3: 100 }), or give its number; built in: main, local, default (topo never reads /etc/iproute2/rt_tables)'],
    ['an interface the namespace doesn\'t have', '      - { priority: 10, iif: upl, table: wan1 }\n',
      '8:30 error rule incoming interface "upl" is not an interface of namespace "m" (did you mean "up1"?) | interfaces of m: up1'],
    ['host bits', '      - { priority: 10, from: 10.0.1.2/24, table: wan1 }\n',
      '8:31 error rule from 10.0.1.2/24 has host bits set: the kernel keeps them as written and matches the network 10.0.1.0/24 | write 10.0.1.0/24, or the address alone for one host'],
    ['two families in one rule', '      - { priority: 10, from: 10.0.1.2, to: "fd00::/8", table: wan1 }\n',
      '8:45 error rule "to" is IPv6 but "from" is IPv4 | a rule is IPv4 or IPv6: give it addresses of one family (two rules for both)'],
    ['a family its addresses contradict', '      - { priority: 10, from: 10.0.1.2, table: wan1, family: 6 }\n',
      '8:62 error family 6 but the rule\'s addresses are IPv4 | leave "family" out: the addresses say it'],
    ['a goto to no rule', '      - { priority: 10, goto: 21 }\n      - { priority: 20, table: wan1 }\n      - { priority: 21, from: "fd00::/8", table: wan1 }\n',
      '8:31 error goto 21: no IPv4 rule of namespace "m" has that priority (did you mean "20"?) | later IPv4 rules: 20'],
    ['a goto backward', '      - { priority: 10, table: wan1 }\n      - { priority: 20, goto: 10 }\n',
      '9:31 error goto 10 from priority 20: the kernel only goes forward ("Backward goto not supported") | go to a rule after 20'],
    ['a lookup without a table', '      - { priority: 10, from: 10.0.1.2 }\n',
      '8:9 error a lookup rule needs "table": the table to look the packet up in | add table: <name or number>; or action: blackhole, unreachable, prohibit, or goto'],
    ['a table on a rule that looks up none', '      - { priority: 10, action: prohibit, table: wan1 }\n',
      '8:50 error a prohibit rule looks up no table | remove "table", or make it a lookup rule'],
    ['a goto on a rule that is not one', '      - { priority: 10, action: blackhole, goto: 20 }\n      - { priority: 20, table: wan1 }\n',
      '8:50 error a blackhole rule goes nowhere: "goto" is for action goto | remove "goto", or "action"'],
    ['goto without its target', '      - { priority: 10, action: goto }\n',
      '8:33 error a goto rule needs "goto": the priority of the rule to go on at'],
    ['a mark 0 without a mask', '      - { priority: 10, fwmark: 0, table: wan1 }\n',
      '8:33 error fwmark 0 without a mask is no selector at all: the kernel drops it, and the rule matches packets of any mark | to match unmarked packets write "0/0xffffffff"; to match any, leave fwmark out'],
  ])('refuses %s', (_, rules, problem) => {
    expect(check(rules)).toEqual([problem]);
  });

  it('warns about a mark with bits outside its mask, and an interface of the host the file doesn\'t declare', () => {
    expect(check('      - { priority: 10, fwmark: "0x11/0x1", table: wan1 }\n', '  host:\n    rules:\n      - { priority: 10, iif: eth9, table: 5 }\n')).toEqual([
      '8:33 warning fwmark 0x11/0x1 has bits outside its mask: the kernel compares only the bits of the mask, so it matches as 0x1/0x1 | write 0x1/0x1',
      '11:30 warning rule incoming interface "eth9" is not an interface the file declares in the host namespace | the kernel accepts a rule for an interface that is not there ([detached]): it matches once one of that name appears',
    ]);
  });

  it('the schema refuses what no rule can be: no priority, an unknown action, a mark that is not one', () => {
    expect(check('      - { table: wan1 }\n')).toEqual([expect.stringMatching(/^8:9 error item #1 is missing required key "priority"/)]);
    expect(check('      - { priority: 10, action: drop }\n')).toEqual([expect.stringMatching(/^8:33 error "action" must be one of "lookup", "goto", "blackhole", "unreachable", "prohibit", not "drop"/)]);
    expect(check('      - { priority: 10, fwmark: "0xZZ", table: 1 }\n')).toEqual([expect.stringMatching(/^8:33 error "fwmark": invalid value "0xZZ"/)]);
  });
});
