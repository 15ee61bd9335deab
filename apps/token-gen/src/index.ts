// What other workspaces (the rights app's end-to-end tests, the benchmarks, npm start) use of token-gen.
export { createTokenGenApp } from './main';
export { validateTokenGenConfig, type TokenGenConfig } from './config/token-gen.config';
export { AdminCommands, AdminError } from './admin/admin-commands';
