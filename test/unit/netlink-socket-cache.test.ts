// The netlink engine's socket caches (reader and writer) keep at most MAX_OPEN_SOCKETS open: the least recently
// used is closed first, and a socket used again becomes the most recent.
import { expect, it } from 'vitest';
import { keepRecent, MAX_OPEN_SOCKETS } from '../../src/io/netlink/socket.js';

it('keeps the most recently used sockets open, closing the least recently used beyond the limit', () => {
  const open = new Map<string, number>(), closed: number[] = [];
  for (let i = 0; i < MAX_OPEN_SOCKETS; i++) keepRecent(open, `ns${i}`, i, (v) => closed.push(v));
  expect([open.size, closed]).toEqual([MAX_OPEN_SOCKETS, []]);
  keepRecent(open, 'ns0', 0, (v) => closed.push(v)); // used again: now the most recent
  keepRecent(open, 'new', 1000, (v) => closed.push(v));
  expect(closed).toEqual([1]); // ns1 was the least recently used
  expect(open.size).toBe(MAX_OPEN_SOCKETS);
  expect([...open.keys()].slice(-2)).toEqual(['ns0', 'new']);
});
