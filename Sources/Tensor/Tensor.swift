// Dense, contiguous, row-major Float32 N-d tensor with copy-on-write storage.
// Every kernel in the engine works on contiguous buffers; shape ops that reorder data
// (permute, slice) materialise a copy, which keeps kernels simple and cache-friendly.

/// Reference-counted, 64-byte aligned Float32 buffer. Never shared mutably: `Tensor` copies on write.
/// Large buffers come from and return to `BufferCache`.
public final class TensorStorage: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>
    private let capacityBytes: Int

    public init(count: Int) {
        self.count = count
        let (raw, capacity) = BufferCache.allocate(bytes: max(count, 1) * MemoryLayout<Float>.stride)
        capacityBytes = capacity
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    deinit { BufferCache.release(UnsafeMutableRawPointer(pointer), capacityBytes: capacityBytes) }
}

public struct Tensor: @unchecked Sendable, CustomStringConvertible {
    /// Dimensions, outermost first. A scalar has shape `[]` and one element.
    public private(set) var shape: [Int]
    public private(set) var storage: TensorStorage

    /// Number of elements (product of `shape`).
    public var count: Int { storage.count }
    public var rank: Int { shape.count }

    /// Uninitialised-then-filled tensor.
    public init(shape: [Int], repeating value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        storage = TensorStorage(count: shape.reduce(1, *))
        storage.pointer.initialize(repeating: value, count: storage.count)
    }

    public init(shape: [Int], scalars: [Float]) {
        let n = shape.reduce(1, *)
        precondition(n == scalars.count, "shape \(shape) needs \(n) scalars, got \(scalars.count)")
        self.shape = shape
        storage = TensorStorage(count: n)
        scalars.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: n) }
    }

    public init(_ scalar: Float) { self.init(shape: [], scalars: [scalar]) }

    /// Wraps existing storage (no copy). `storage.count` must equal the product of `shape`.
    public init(shape: [Int], storage: TensorStorage) {
        precondition(shape.reduce(1, *) == storage.count, "shape \(shape) does not match storage of \(storage.count)")
        self.shape = shape
        self.storage = storage
    }

    /// Tensor of `shape` whose elements are produced by `fill` writing into the raw buffer.
    public init(shape: [Int], unsafeUninitialized fill: (UnsafeMutablePointer<Float>) throws -> Void) rethrows {
        self.shape = shape
        storage = TensorStorage(count: shape.reduce(1, *))
        try fill(storage.pointer)
    }

    public var scalars: [Float] { Array(UnsafeBufferPointer(start: storage.pointer, count: count)) }
    /// The single element of a one-element tensor.
    public var scalar: Float {
        precondition(count == 1, "scalar of a tensor with \(count) elements")
        return storage.pointer[0]
    }

    /// Read-only access to the contiguous elements.
    @inlinable public func withUnsafePointer<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafePointer(storage.pointer))
    }

    /// Mutable access; copies the storage first when it is shared (copy-on-write).
    public mutating func withUnsafeMutablePointer<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) {
            let copy = TensorStorage(count: storage.count)
            copy.pointer.update(from: storage.pointer, count: storage.count)
            storage = copy
        }
        return try body(storage.pointer)
    }

    /// Same elements, new shape (shares storage; no copy).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var dims = newShape
        if let inferred = dims.firstIndex(of: -1) {
            let known = dims.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            dims[inferred] = count / known
        }
        precondition(dims.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        return Tensor(shape: dims, storage: storage)
    }

    public subscript(flat index: Int) -> Float {
        get { storage.pointer[index] }
        set { withUnsafeMutablePointer { $0[index] = newValue } }
    }

    public var description: String {
        let preview = scalars.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor\(shape)[\(preview)\(count > 8 ? ", …" : "")]"
    }
}
