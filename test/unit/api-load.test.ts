// The library's load(): a lab from a file, a YAML string or a plain object, validated as `topo validate` does;
// problems with their JSON pointer path always and line:col where there is text; a source of the wrong shape is a
// usage error. No root, no kernel.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { load } from '../../src/api/source.js';
import { InvalidTopology, TopoError } from '../../src/errors.js';
import { example } from '../helpers/sandbox.js';

const rejection = async (p: Promise<unknown>) => { try { await p; } catch (e) { return e; } throw new Error('expected a rejection'); };

const BAD = 'name: bad\nnamespaces:\n  a: {}\nveths:\n  - ends:\n      - { name: v1, namespace: a, addresses: [10.0.0.1/33] }\n      - { name: v2, namespace: nope }\n';

describe('load()', () => {
  it('reads the same lab from a file, its text and its data', async () => {
    const file = example('two-namespaces.yaml');
    const fromFile = await load({ file });
    expect(fromFile).toMatchObject({ name: 'two-ns', file, warnings: [] });
    const text = readFileSync(file, 'utf8');
    const fromYaml = await load({ yaml: text });
    expect(fromYaml.topology).toEqual(fromFile.topology);
    expect(fromYaml.text).toBe(text);
    const fromObject = await load({ object: JSON.parse(JSON.stringify(fromFile.topology)) });
    expect(fromObject.topology).toEqual(fromFile.topology);
  });

  it('a YAML string\'s problems have line:col and path; `file` names it', async () => {
    const e = await rejection(load({ yaml: BAD, file: 'mine.yaml' }));
    expect(e).toBeInstanceOf(InvalidTopology);
    const err = e as InvalidTopology;
    expect(err).toMatchObject({ code: 'E_INVALID', exitCode: 65, file: 'mine.yaml' });
    expect(err.problems).toEqual([
      expect.objectContaining({ code: 'bad-address', path: '/veths/0/ends/0/addresses/0', pos: { line: 6, col: 47 } }),
      expect.objectContaining({ code: 'unknown-namespace', path: '/veths/0/ends/1/namespace', pos: { line: 7, col: 32 } }),
    ]);
  });

  it('an object\'s problems have their path and no line:col (there is no text of the caller\'s to point into)', async () => {
    const e = await rejection(load({ object: { name: 'bad', namespaces: { a: {} }, veths: [{ ends: [{ name: 'v1', namespace: 'a', addresses: ['10.0.0.1/33'] }, { name: 'v2', namespace: 'nope' }] }] } }));
    const err = e as InvalidTopology;
    expect(err.file).toBe('<object>');
    expect(err.problems.map((p) => [p.code, p.path, p.pos])).toEqual([
      ['bad-address', '/veths/0/ends/0/addresses/0', undefined],
      ['unknown-namespace', '/veths/0/ends/1/namespace', undefined],
    ]);
  });

  it('a YAML syntax error has its place and the root path', async () => {
    const err = await rejection(load({ yaml: 'name: x\nnamespaces: [\n' })) as InvalidTopology;
    expect(err).toBeInstanceOf(InvalidTopology);
    expect(err.problems[0]!.path).toBe('');
    expect(err.problems[0]!.pos?.line).toBeGreaterThan(0);
  });

  it('a source that is not exactly one of { file }, { yaml }, { object } is a usage error', async () => {
    for (const bad of [{ name: 'two-ns' }, { yaml: 'x', object: {} }, { file: 3 }, { yaml: 3 }, null, 'lab.yaml']) {
      const e = await rejection(load(bad as never));
      expect(e, JSON.stringify(bad)).toBeInstanceOf(TopoError);
      expect(e).not.toBeInstanceOf(InvalidTopology);
      expect(e).toMatchObject({ code: 'E_USAGE', exitCode: 64 });
    }
  });

  it('a missing file is InvalidTopology saying so', async () => {
    const err = await rejection(load({ file: '/nonexistent/lab.yaml' })) as InvalidTopology;
    expect(err).toBeInstanceOf(InvalidTopology);
    expect(err.problems[0]!.message).toBe('file not found: /nonexistent/lab.yaml');
  });
});
