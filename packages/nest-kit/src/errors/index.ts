export * from './api-exception.filter';
export * from './api-http-error';
export * from './describe-failure';
export * from './render-error';
