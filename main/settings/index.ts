export { JsonFileSettings, type SettingsStore } from './settings';
