export * from './directory.js';
export * from './jurisdiction.js';
export * from './visibility.js';
