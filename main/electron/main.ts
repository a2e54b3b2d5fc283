import { app, BrowserWindow, ipcMain, safeStorage, session, type WebContents } from 'electron';
import Store from 'electron-store';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { logRedactPaths } from '../../common/log';
import type { StationApp } from '../api/app';
import { openStationApp, type DemoHubAccess } from '../app';
import { openSettings } from '../settings';
import { contentSecurityPolicy } from '../host/server';

/**
 * The thin Electron shell, the only file in main/ that imports electron: one
 * window, one instance, a locked-down renderer, and IPC into the same
 * dispatcher the browser host uses. Electron's safeStorage wraps the vault's
 * key (the OS keychain) and electron-store keeps the settings.
 *
 * `npm run demo` starts it with STATION_DEMO_HUB (JSON: hubUrl, enrollmentCode)
 * for the demo hub and STATION_VIRTUAL_PORTS (the fleet's pty directory).
 */
const IPC_CALL = 'api:call';
const IPC_EVENT = 'api:event';
const here = import.meta.dirname;
const rendererIndex = join(here, '../renderer/index.html');
const rendererUrl = pathToFileURL(rendererIndex).toString();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let window: BrowserWindow | null = null;
  let station: StationApp | null = null;

  app.on('second-instance', () => {
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });

  // No page may open another window, navigate away, or attach a webview.
  app.on('web-contents-created', (_e, contents: WebContents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-navigate', (e, url) => {
      if (url !== rendererUrl) e.preventDefault();
    });
    contents.on('will-attach-webview', (e) => e.preventDefault());
  });

  void app.whenReady().then(async () => {
    const exportDir = join(app.getPath('documents'), 'Credential Station');
    mkdirSync(exportDir, { recursive: true });
    const demoHub = process.env.STATION_DEMO_HUB ? (JSON.parse(process.env.STATION_DEMO_HUB) as DemoHubAccess) : null;
    const virtualPorts = process.env.STATION_VIRTUAL_PORTS;
    const logger = pino({ level: 'info', redact: { paths: logRedactPaths, censor: '[redacted]' }, base: { service: 'station' } });
    station = await openStationApp({
      dataDir: process.env.STATION_DATA_DIR ?? app.getPath('userData'),
      exportDir,
      settings: openSettings(() => new Store({ name: 'settings' }), join(app.getPath('userData'), 'settings.json')),
      safeStorage,
      logger,
      ...(demoHub ? { demoHub: () => Promise.resolve(demoHub) } : {}),
      ...(virtualPorts ? { discovery: { virtualDirs: virtualPorts.split(':') } } : {}),
    });

    session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy("'none'")] } });
    });
    // no remote content: only our own files load
    session.defaultSession.webRequest.onBeforeRequest((details, callback) => {
      callback({
        cancel: !(details.url.startsWith('file://') || details.url.startsWith('devtools://') || details.url.startsWith('data:')),
      });
    });

    const dispatcher = station.dispatcher;
    ipcMain.handle(IPC_CALL, (event, channel: unknown, payload: unknown) => {
      // only our own page may call in
      if (event.senderFrame?.url !== rendererUrl)
        return { ok: false, error: { code: 'BAD_REQUEST', message: 'The request was refused: it did not come from the station window.' } };
      return dispatcher.dispatch(channel, payload, { sessionKey: `window:${event.sender.id}` });
    });

    window = new BrowserWindow({
      width: 1440,
      height: 1000,
      show: false,
      backgroundColor: '#0f141a',
      title: 'Credential Station',
      webPreferences: {
        preload: join(here, 'preload.cjs'),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        spellcheck: false,
      },
    });
    const unsubscribe = dispatcher.subscribe((event, payload) => {
      if (window && !window.isDestroyed()) window.webContents.send(IPC_EVENT, { event, payload });
    });
    window.on('closed', () => {
      unsubscribe();
      window = null;
    });
    window.once('ready-to-show', () => window?.show());
    void window.loadFile(rendererIndex);
  });

  app.on('window-all-closed', () => {
    void (station?.close() ?? Promise.resolve()).finally(() => app.quit());
  });
}
