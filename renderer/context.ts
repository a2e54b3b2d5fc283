import { createContext, useContext } from 'react';
import type { StationApi } from '../common/api/types';
import type { Controller } from './state/controller';

export const StationContext = createContext<{ api: StationApi; controller: Controller } | null>(null);

export function useStation(): { api: StationApi; controller: Controller } {
  const v = useContext(StationContext);
  if (v === null) throw new Error('StationContext missing');
  return v;
}
