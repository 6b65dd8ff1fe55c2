import type { AppState } from '../state';
import type { Boot, Scope, Store } from '../store';

/** What every view gets from the app shell. */
export interface Ctx {
  store: Store;
  boot: Boot;
  /** The current state (the URL). */
  state(): AppState;
  scope(): Scope;
  chainId(): string;
  /** Changes the URL (and so the state); replace keeps it out of the history. */
  navigate(patch: Partial<AppState>, opts?: { replace?: boolean }): void;
  /** Marks the view as rendered (tests wait for body[data-ready=<view>]). */
  ready(): void;
  busy(): void;
  /** Scope selector shared by the views that have one. */
  scopeSelect(): HTMLElement;
}

export interface View {
  readonly el: HTMLElement;
  /** Called after mount and on every state change that keeps this view. */
  update(state: AppState, prev: AppState | null): void | Promise<void>;
  /** Re-lays out charts after the window changed size. */
  resize?(): void;
  destroy(): void;
}

export type ViewFactory = (ctx: Ctx) => View;
