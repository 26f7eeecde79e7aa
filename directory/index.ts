export * from './directory.js';
export * from './jurisdiction.js';
