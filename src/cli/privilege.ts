// The root check lives with the library (api/privilege.ts): the CLI's commands use the same one.
export { requireRoot } from '../api/privilege.js';
