// test-line, a protocol that lives only here (README.md): what a protocol folder exports.
export { testLine } from './descriptor';
export * from './codec';
export { TestLineDriver, type TestLineDriverOptions } from './driver';
