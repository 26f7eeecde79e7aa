/** The processes of 鲁数发〔2022〕15号 as data: definitions, their registry, and how to read them. */
export * from './types.js';
export * from './describe.js';
export * as forms from './schemas.js';
export { ProcessRegistry, registry } from './registry.js';
export { datasetRelease } from './datasetRelease.js';
export { conditionalApplication } from './conditionalApplication.js';
export { unopenedDataRequest } from './unopenedDataRequest.js';
export { listAdjustment } from './listAdjustment.js';
export { objection } from './objection.js';
export type { DatasetReleaseContext } from './datasetRelease.js';
export type { ConditionalApplicationContext } from './conditionalApplication.js';
export type { UnopenedDataRequestContext } from './unopenedDataRequest.js';
export type { ListAdjustmentContext } from './listAdjustment.js';
export type { ObjectionContext } from './objection.js';
