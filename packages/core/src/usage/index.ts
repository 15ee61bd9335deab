export * from './usage-range';
export * from './usage-report';
