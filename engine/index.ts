export * from './engine.js';
export * from './errors.js';
export * from './events.js';
export * from './fold.js';
export * from './verify.js';
export * from './scheduler.js';
export * from './calendarInForce.js';
export { canonicalJson, eventHash, GENESIS_HASH } from './hashChain.js';
export { deterministicId, streamOf } from './ids.js';
