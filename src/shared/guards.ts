/**
 * Tiny runtime validators. Every message that crosses a context boundary is `unknown` until one of these accepts it:
 * the call page is untrusted and can post anything to frames it can reach.
 */

export type Guard<T> = (value: unknown) => value is T;

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const isString = (v: unknown): v is string => typeof v === 'string';

export const isBoundedString =
  (max: number): Guard<string> =>
  (v): v is string =>
    typeof v === 'string' && v.length <= max;

export const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export const isNonNegativeInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

export const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';

export const isArrayOf =
  <T>(guard: Guard<T>, maxLength: number): Guard<T[]> =>
  (v): v is T[] =>
    Array.isArray(v) && v.length <= maxLength && v.every(guard);

/** Checks an object's fields with one guard each; extra fields are allowed but ignored by typed code. */
export function hasFields<T extends Record<string, unknown>>(
  v: unknown,
  fields: { [K in keyof T]: Guard<T[K]> },
): v is T {
  if (!isRecord(v)) return false;
  for (const key of Object.keys(fields) as (keyof T & string)[]) {
    if (!fields[key](v[key])) return false;
  }
  return true;
}

export const isOneOf =
  <T extends string>(values: readonly T[]): Guard<T> =>
  (v): v is T =>
    typeof v === 'string' && (values as readonly string[]).includes(v);

export const isOptional =
  <T>(guard: Guard<T>): Guard<T | undefined> =>
  (v): v is T | undefined =>
    v === undefined || guard(v);
