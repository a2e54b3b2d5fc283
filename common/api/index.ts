export * from './schemas';
export * from './contract';
export type * from './types';
