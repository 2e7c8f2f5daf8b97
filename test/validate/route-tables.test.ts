// Routes in tables (`table:`, `tables:`): what validation accepts that it would refuse in main, and what it still
// checks per table.
import { describe, expect, it } from 'vitest';
import { validateText } from '../../src/validate/index.js';

const LINKS = `veths:
  - ends: [{ name: up1, namespace: m, addresses: [10.0.1.2/24] }, { name: x1 }]
  - ends: [{ name: up2, namespace: m, addresses: [10.0.2.2/24] }, { name: x2 }]
`;
const check = (routes: string, tables = '{ wan1: 100, wan2: 101 }') => {
  const r = validateText(`name: lab\ntables: ${tables}\nnamespaces:\n  m:\n    routes:\n${routes}${LINKS}`, 'lab.yaml');
  return [...r.problems, ...r.warnings].map((p) => `${p.pos!.line}:${p.pos!.col} ${p.code}${p.severity ? ` (${p.severity})` : ''}`);
};

describe('routes in tables: validation', () => {
  it('the same destination in main and in two tables is three routes; twice in one table is a duplicate', () => {
    expect(check('      - { to: default, via: 10.0.1.1 }\n      - { to: default, via: 10.0.1.1, table: wan1 }\n      - { to: default, via: 10.0.2.1, table: 101 }\n')).toEqual([]);
    expect(check('      - { to: default, via: 10.0.1.1, table: wan1 }\n      - { to: default, via: 10.0.2.1, table: 100 }\n')).toEqual(['7:15 duplicate-route']);
    // "main" is the main table: the same as no table.
    expect(check('      - { to: default, via: 10.0.1.1 }\n      - { to: 0.0.0.0/0, via: 10.0.2.1, table: main }\n')).toEqual(['7:15 duplicate-route']);
  });

  it('a route to a connected subnet is refused in main (the kernel has it) but not in another table', () => {
    expect(check('      - { to: 10.0.1.0/24, dev: up1 }\n')).toEqual(['6:15 connected-route']);
    expect(check('      - { to: 10.0.1.0/24, dev: up1, table: wan1 }\n')).toEqual([]);
  });

  it('a gateway is still checked against the namespace\'s addresses, and link routes of its table or main', () => {
    expect(check('      - { to: default, via: 10.0.9.1, table: wan1 }\n')).toEqual(['6:29 gateway-unreachable']);
    expect(check('      - { to: 10.0.9.0/24, dev: up1, table: wan1 }\n      - { to: default, via: 10.0.9.1, table: wan1 }\n')).toEqual([]);
    expect(check('      - { to: 10.0.9.0/24, dev: up1, metric: 5 }\n      - { to: default, via: 10.0.9.1, table: wan1 }\n')).toEqual([]);
    expect(check('      - { to: 10.0.9.0/24, dev: up1, table: wan2 }\n      - { to: default, via: 10.0.9.1, table: wan1 }\n')).toEqual(['7:29 gateway-unreachable']);
  });

  it('a number named twice is a warning; a table number of 0 is refused by the schema', () => {
    expect(check('      - { to: default, via: 10.0.1.1, table: wan1 }\n', '{ wan1: 100, isp: 100 }')).toEqual(['2:27 duplicate-table (warning)']);
    expect(check('      - { to: default, via: 10.0.1.1, table: 0 }\n')).toEqual(['6:46 out-of-range']);
  });
});
