/**
 * Namespaced access to Web Storage that never throws.
 *
 * Storage can be unavailable (Safari private mode, disabled cookies, quota):
 * the widget then still works for the current page, it just forgets on reload.
 */

export interface KeyValueStore {
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
}

const PREFIX = "shopchat:";

export function namespacedStore(backend: () => Storage, namespace: string): KeyValueStore {
  const fallback = new Map<string, string>();
  const full = (key: string): string => `${PREFIX}${namespace}:${key}`;
  return {
    get(key) {
      try {
        return backend().getItem(full(key));
      } catch {
        return fallback.get(full(key)) ?? null;
      }
    },
    set(key, value) {
      try {
        backend().setItem(full(key), value);
      } catch {
        fallback.set(full(key), value);
      }
    },
    remove(key) {
      fallback.delete(full(key));
      try {
        backend().removeItem(full(key));
      } catch {
        // Nothing stored there to remove.
      }
    },
  };
}

export function readJson<T>(store: KeyValueStore, key: string, isValid: (v: unknown) => v is T): T | null {
  const raw = store.get(key);
  if (raw === null) return null;
  try {
    const value: unknown = JSON.parse(raw);
    return isValid(value) ? value : null;
  } catch {
    return null;
  }
}
