export * from './api-exception.filter';
export * from './describe-failure';
export * from './render-error';
