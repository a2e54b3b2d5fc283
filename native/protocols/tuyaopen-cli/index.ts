export * from './codec';
export * from './driver';
