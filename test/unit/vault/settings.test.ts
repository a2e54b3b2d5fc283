import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import Conf from 'conf';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileSettings, openSettings, type SettingsStore } from '../../../main/settings';
import { tempDir } from './helpers';

interface StationSettings extends Record<string, unknown> {
  language: string;
  slots: { port: string; protocol: string }[];
  lastGroup?: string;
}

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

const open = (): SettingsStore<StationSettings> =>
  fileSettings<StationSettings>({ path: join(dir, 'config', 'settings.json'), defaults: { language: 'en', slots: [] } });

describe("settings on conf (electron-store's store, outside Electron too)", () => {
  it('starts from the defaults and persists set values across instances', () => {
    const s = open();
    expect(s.get('language')).toBe('en');
    expect(s.has('lastGroup')).toBe(false);
    expect(s.get('lastGroup', 'none')).toBe('none');
    s.set('lastGroup', 'g-1');
    s.set({ language: 'de', slots: [{ port: '/dev/ttyUSB0', protocol: 'tuya-auc' }] });
    const again = open();
    expect(again.store).toEqual({ language: 'de', lastGroup: 'g-1', slots: [{ port: '/dev/ttyUSB0', protocol: 'tuya-auc' }] });
    expect(JSON.parse(readFileSync(again.path, 'utf8'))).toEqual(again.store);
  });

  it('reads and writes dotted paths like electron-store', () => {
    const s = open();
    s.set('ui.theme.dark', true);
    expect(s.get('ui.theme.dark')).toBe(true);
    expect(s.has('ui.theme')).toBe(true);
    s.delete('ui.theme.dark');
    expect(s.has('ui.theme.dark')).toBe(false);
    expect(() => s.set('__proto__.polluted', 1)).toThrow(expect.objectContaining({ code: 'BAD_SETTING_KEY' }));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('returns copies: changing a returned object does not change the store', () => {
    const s = open();
    s.set('slots', [{ port: 'a', protocol: 'p' }]);
    s.get('slots').push({ port: 'b', protocol: 'p' });
    expect(s.get('slots')).toHaveLength(1);
  });

  it('deletes, clears back to the defaults, and replaces the whole store', () => {
    const s = open();
    s.set('lastGroup', 'g');
    s.delete('lastGroup');
    expect(open().has('lastGroup')).toBe(false);
    s.store = { language: 'fr', slots: [] };
    expect(open().get('language')).toBe('fr');
    s.clear();
    expect(open().store).toEqual({ language: 'en', slots: [] });
  });

  it('writes atomically, readable by its owner only: no temp file is left behind', () => {
    const s = open();
    for (let i = 0; i < 20; i++) s.set('lastGroup', `g-${i}`);
    expect(readdirSync(join(dir, 'config'))).toEqual(['settings.json']);
    expect(open().get('lastGroup')).toBe('g-19');
    expect(statSync(s.path).mode & 0o777).toBe(0o600);
  });

  it('refuses secrets, which belong in the vault', () => {
    const s = open();
    for (const key of ['hub.token', 'authkey', 'passphrase', 'supervisorPin', 'auth_key']) {
      expect(() => s.set(key, 'x')).toThrow(expect.objectContaining({ code: 'SETTING_IS_SECRET' }));
    }
    expect(() => s.set({ token: 'x' } as never)).toThrow(expect.objectContaining({ code: 'SETTING_IS_SECRET' }));
    expect(() => {
      s.store = { language: 'en', slots: [], secret: 'x' };
    }).toThrow(expect.objectContaining({ code: 'SETTING_IS_SECRET' }));
    expect(open().store).toEqual({ language: 'en', slots: [] });
    s.set('shipping', 'ok'); // "pin" inside a word is fine
    expect(open().get('shipping')).toBe('ok');
  });

  it('puts the same rules on any conf store it is given (the Electron shell passes electron-store)', () => {
    const s = openSettings(() => new Conf({ cwd: dir, configName: 'shell' }), join(dir, 'shell.json'));
    expect(s.path).toBe(join(dir, 'shell.json'));
    expect(() => s.set('hub.token', 'x')).toThrow(expect.objectContaining({ code: 'SETTING_IS_SECRET' }));
    s.set('slotGroups.slot-1', 'g-1');
    expect(JSON.parse(readFileSync(s.path, 'utf8'))).toEqual({ slotGroups: { 'slot-1': 'g-1' } });
  });

  it('says what to do with a corrupt file instead of losing it silently', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ not json');
    expect(() => fileSettings({ path })).toThrow(expect.objectContaining({ code: 'SETTINGS_CORRUPT' }));
    expect(readFileSync(path, 'utf8')).toBe('{ not json');
  });
});
