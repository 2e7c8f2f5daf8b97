// Where an apply's or destroy's progress goes: standard error, always. Standard output carries the result alone
// (the plan text or the JSON document), so `topo apply F | head -1` or `topo apply F --json | jq` read just that.
// listr2 writes to standard output by default and picks its renderer by whether standard output is a terminal;
// here both follow standard error. listr2 is loaded by the executor when a plan runs (a command with nothing to
// do never evaluates it), and handed in.
type Listr2 = typeof import('listr2');

export type Renderer = 'default' | 'simple' | 'silent';

/** The default renderer (redrawn in place) on standard error, whatever standard output is. */
const stderrRenderer = ({ DefaultRenderer }: Listr2) => class StderrRenderer extends DefaultRenderer {
  // listr2 offers this renderer only when *standard output* is a terminal; the caller checks standard error.
  static override nonTTY = true;
};

/** listr2's renderer options (spread into its options) for a renderer writing to standard error. */
export function progressOptions(listr2: Listr2, renderer: Renderer): object {
  if (renderer === 'silent') return { renderer: 'silent' };
  const { ListrLogger, ProcessOutput } = listr2;
  const logger = () => new ListrLogger({ useIcons: true, processOutput: new ProcessOutput(process.stderr, process.stderr) });
  return {
    renderer: renderer === 'default' ? stderrRenderer(listr2) : 'simple',
    rendererOptions: { logger: logger() },
    fallbackRenderer: 'simple',
    fallbackRendererOptions: { logger: logger() },
  };
}
