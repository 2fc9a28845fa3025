// onnx-proto is CommonJS without named-export hints, so Node's ESM loader only exposes its default
// export (`import { onnx } from 'onnx-proto'` type-checks but fails at run time outside vitest).
// This alias gives the rest of the code the `onnx` namespace as both value and types.
import onnxProto from 'onnx-proto';

export import onnx = onnxProto.onnx;

/**
 * An int64 field as a number. protobufjs decodes int64 fields as long.js `Long` objects (values we
 * build are plain numbers); onnx-proto's typings name `Long` as a global type that this project's
 * `types: ["node"]` does not load, so such fields are untyped here and checked at run time.
 */
export function int64ToNumber(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && 'toNumber' in value && typeof value.toNumber === 'function') {
    return (value as { toNumber(): number }).toNumber();
  }
  throw new TypeError(`Not an int64 value: a ${typeof value}`);
}
