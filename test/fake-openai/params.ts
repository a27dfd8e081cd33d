// Typed reads of request parameters with the real API's error messages. Works on a JSON body
// and on multipart text fields (where every value is a string and must be coerced).

import {
  emptyString,
  integerAboveMax,
  integerBelowMin,
  invalidEnumValue,
  invalidType,
  missingParameter,
  stringTooLong,
  unknownParameter,
} from "./errors.ts";

export class ParamReader {
  private readonly values: Record<string, unknown>;
  private readonly fromForm: boolean;

  constructor(values: Record<string, unknown>, fromForm: boolean) {
    this.values = values;
    this.fromForm = fromForm;
  }

  /** Raw value; JSON null counts as omitted, as the SDK types allow null for optional params. */
  raw(name: string): unknown {
    const value = this.values[name];
    return value === null ? undefined : value;
  }

  has(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  rejectUnknown(known: ReadonlySet<string>): void {
    for (const name of Object.keys(this.values)) {
      // Multipart nests objects as `svg[model]`; check the top-level name.
      const topLevel = this.fromForm ? name.replace(/\[.*$/, "") : name;
      if (!known.has(topLevel)) throw unknownParameter(name);
    }
  }

  string(name: string, options: { required?: boolean; maxLength?: number } = {}): string | undefined {
    const value = this.raw(name);
    if (value === undefined) {
      if (options.required) throw missingParameter(name);
      return undefined;
    }
    if (typeof value !== "string") throw invalidType(name, "a string", value);
    if (options.required && value.length === 0) throw emptyString(name);
    if (options.maxLength !== undefined && value.length > options.maxLength) {
      throw stringTooLong(name, options.maxLength, value.length);
    }
    return value;
  }

  integer(name: string, range: { min: number; max: number }): number | undefined {
    let value = this.raw(name);
    if (value === undefined) return undefined;
    if (this.fromForm && typeof value === "string" && /^-?\d+$/.test(value.trim())) value = Number(value.trim());
    if (typeof value !== "number" || !Number.isInteger(value)) throw invalidType(name, "an integer", value);
    if (value < range.min) throw integerBelowMin(name, range.min, value);
    if (value > range.max) throw integerAboveMax(name, range.max, value);
    return value;
  }

  boolean(name: string): boolean | undefined {
    let value = this.raw(name);
    if (value === undefined) return undefined;
    if (this.fromForm && (value === "true" || value === "false")) value = value === "true";
    if (typeof value !== "boolean") throw invalidType(name, "a boolean", value);
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (typeof value !== "string") throw invalidType(name, "a string", value);
    if (!(allowed as readonly string[]).includes(value)) throw invalidEnumValue(name, value, allowed);
    return value as T;
  }
}
