// The `yaml` package (positions, exact YAML errors), loaded on first use: a valid file in plain YAML never needs
// it (the fast path, yaml-fast.ts), and loading it cost ~50 ms of every command's start.
import { createRequire } from 'node:module';

type Yaml = typeof import('yaml');
let lib: Yaml | undefined;

export const yamlLib = (): Yaml => (lib ??= createRequire(import.meta.url)('yaml') as Yaml);
