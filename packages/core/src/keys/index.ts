export * from './content-key';
export * from './kek-id';
export * from './key-wrap';
export * from './kid';
export * from './asset-id';
