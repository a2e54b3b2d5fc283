import { createContext, useContext } from 'react';
import type { HubClient } from './api';

export const HubContext = createContext<HubClient | null>(null);

export function useHub(): HubClient {
  const v = useContext(HubContext);
  if (v === null) throw new Error('HubContext missing');
  return v;
}
