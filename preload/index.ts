import { contextBridge, ipcRenderer } from 'electron';
import { apiChannels, apiEventNames } from '../common/api/contract';
import type { StationApi } from '../common/api/types';

/**
 * The renderer's only door to main: one function per contract channel and one
 * `onX` per event, generated from the contract's names. No logic here: main
 * validates every payload (main/api/dispatcher.ts).
 */
export const IPC_CALL = 'api:call';
export const IPC_EVENT = 'api:event';

const api: Record<string, unknown> = {};
for (const channel of apiChannels) {
  const [group, method] = channel.split('.') as [string, string];
  const calls = (api[group] ??= {}) as Record<string, unknown>;
  calls[method] = (input?: unknown) => ipcRenderer.invoke(IPC_CALL, channel, input);
}
for (const name of apiEventNames) {
  api[name] = (listener: (payload: unknown) => void) => {
    const handler = (_e: unknown, msg: { event: string; payload: unknown }): void => {
      if (msg.event === name) listener(msg.payload);
    };
    ipcRenderer.on(IPC_EVENT, handler);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT, handler);
    };
  };
}

contextBridge.exposeInMainWorld('api', api as StationApi);
