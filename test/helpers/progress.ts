// apply's and destroy's progress goes to stderr (plain lines when it is not a terminal: "❯ stage", "✔ stage"):
// what is left of stderr without them is what topo said besides, which a clean run leaves empty.
export function withoutProgress(stderr: string): string {
  return stderr.split('\n').filter((l) => !/^[❯✔✖↓◼] /.test(l)).join('\n').trim();
}
