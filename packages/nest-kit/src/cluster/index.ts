export * from './cluster-primary';
export * from './cluster-worker';
export * from './restart-policy';
export * from './workers-setting';
