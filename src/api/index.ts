// The library: `import { up, load, apply, ... } from 'topo-netns'`. Labs from a file, a YAML string or an object
// (load); plan, apply, destroy, show, test and exec in this process's namespaces (root, or a sandbox the caller
// is in); and up(), a Lab held until down() — with { sandbox: true } in a fresh private sandbox of its own. Every
// call returns the document `topo <command> --json` prints, and throws a TopoError subclass with a stable code.
export { load, type LabSource, type LabSpec, type LoadOptions } from './source.js';
export { apply, destroy, exec, plan, show, test, type ApplyOptions, type DestroyOptions, type ExecOptions, type RunOptions, type TestOptions } from './host.js';
export { up, type Lab, type UpOptions } from './lab.js';
export {
  CommandFailed, EXIT, InternalError, InvalidTopology, LockBusy, NotPermitted, SandboxFailed, StateError, TestsFailed, TopoError,
  type Problem, type SourcePos, type StepFailure,
} from './errors.js';
export type { ApplyDocument, DestroyDocument, ExecResult, PlanDocument, PlanJson, ShowDocument, TestDocument, TopoEvent, Warning } from './documents.js';
export type { ExecEvent, StepRef } from '../io/exec-events.js';
export type { Topology } from '../model.js';
