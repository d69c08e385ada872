// Checkpoints as HDF5 files: named float32 tensors (model weights, optimizer moments), named float64
// scalars, int64 integers (step, data position, RNG words) and raw bytes. Written to a temporary
// name and renamed, so a checkpoint on disk is always complete.
import CHDF5
import Foundation
import Tensor

/// Everything needed to continue a run exactly: tensors, scalars, integers and opaque bytes, by name.
/// Names are dotted paths ("model.layers.0.weight", "optimizer.m.layers.0.weight"); they must not contain "/".
public struct CheckpointState {
    public var tensors: [String: Tensor] = [:]
    public var scalars: [String: Double] = [:]
    public var integers: [String: Int] = [:]
    public var bytes: [String: [UInt8]] = [:]
    public init() {}

    /// Keeps only the entries whose name starts with `prefix` (e.g. "model." for weights-only `init_from`).
    public func filtered(prefix: String) -> CheckpointState {
        var result = CheckpointState()
        result.tensors = tensors.filter { $0.key.hasPrefix(prefix) }
        result.scalars = scalars.filter { $0.key.hasPrefix(prefix) }
        result.integers = integers.filter { $0.key.hasPrefix(prefix) }
        result.bytes = bytes.filter { $0.key.hasPrefix(prefix) }
        return result
    }
}

/// Reads and writes `CheckpointState` as HDF5 (`/tensors`, `/scalars`, `/integers`, `/bytes` groups).
public enum CheckpointFile {
    /// Writes `state` to `path` atomically (temporary file + rename).
    public static func write(_ state: CheckpointState, to path: String) throws {
        let temporary = path + ".partial"
        try? FileManager.default.removeItem(atPath: temporary)
        do {
            let file = try HDF5File(path: temporary, mode: .create)
            try file.setAttribute("schema", string: "diffinst-checkpoint/1")
            let tensors = try file.group("tensors", create: true)
            for (name, tensor) in state.tensors {
                try check(name, path)
                try tensors.writeArray(name, shape: tensor.shape, values: tensor.scalars, type: chdf5_native_float())
            }
            let scalars = try file.group("scalars", create: true)
            for (name, value) in state.scalars {
                try check(name, path)
                try scalars.writeArray(name, shape: [], values: [value], type: chdf5_native_double())
            }
            let integers = try file.group("integers", create: true)
            for (name, value) in state.integers {
                try check(name, path)
                try integers.writeArray(name, shape: [], values: [Int64(value)], type: chdf5_native_int64())
            }
            let bytes = try file.group("bytes", create: true)
            for (name, value) in state.bytes {
                try check(name, path)
                try bytes.writeArray(name, shape: [value.count], values: value, type: chdf5_native_uint8())
            }
            try file.flush()
        }
        if rename(temporary, path) != 0 { throw HDF5Error("\(path): cannot move checkpoint into place (errno \(errno))") }
    }

    /// Reads a checkpoint written by `write`.
    public static func read(from path: String) throws -> CheckpointState {
        guard FileManager.default.fileExists(atPath: path) else { throw HDF5Error("\(path): no such checkpoint") }
        let file = try HDF5File(path: path, mode: .readOnly)
        var state = CheckpointState()
        let tensors = try file.group("tensors")
        for name in tensors.childNames() {
            let (shape, values) = try tensors.readArray(name, type: chdf5_native_float(), zero: Float(0))
            state.tensors[name] = Tensor(shape: shape, scalars: values)
        }
        let scalars = try file.group("scalars")
        for name in scalars.childNames() {
            state.scalars[name] = try scalars.readArray(name, type: chdf5_native_double(), zero: 0.0).values[0]
        }
        let integers = try file.group("integers")
        for name in integers.childNames() {
            state.integers[name] = Int(try integers.readArray(name, type: chdf5_native_int64(), zero: Int64(0)).values[0])
        }
        let bytes = try file.group("bytes")
        for name in bytes.childNames() {
            state.bytes[name] = try bytes.readArray(name, type: chdf5_native_uint8(), zero: UInt8(0)).values
        }
        return state
    }

    private static func check(_ name: String, _ path: String) throws {
        if name.isEmpty || name.contains("/") { throw HDF5Error("\(path): checkpoint entry name '\(name)' must be non-empty and contain no '/'") }
    }
}
