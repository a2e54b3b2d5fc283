import { create } from 'zustand';
import { initialState, type UiState } from './actions';

/** The one store. Changes go through `apply(action, ...args)` with the plain functions of actions.ts. */
export interface Store extends UiState {
  apply: <A extends unknown[]>(action: (s: UiState, ...args: A) => UiState, ...args: A) => void;
}

export const useStore = create<Store>()((set) => ({
  ...initialState,
  apply: (action, ...args) => set((s) => action(s, ...args)),
}));
