export * from './usage-range';
export * from './usage-report';
export * from './fairplay-streams';
