export { fileSettings, openSettings, type SettingsStore } from './settings';
