// A cache of large tensor buffers. A training step allocates the same big activations every
// time (the decoder's 400×8192 dynamic parameters, 400×49×128 interaction maps, …); fresh
// allocations of that size are mmap-ed by malloc and every first touch page-faults into the
// kernel's page clearing: 21 % of a DiffusionInst-Tiny training step under perf before this cache.
// Buffers of 64 KiB and more are rounded up to a size class (4 per power of two, ≤ 25 % slack)
// and kept on release, up to `limitBytes` idle bytes (DIFFINST_BUFFER_CACHE_MB, default 2048).
import Foundation

public enum BufferCache {
    /// Smaller buffers go straight to malloc (its bins reuse them without page faults).
    static let minimumBytes = 64 << 10

    /// Idle bytes kept for reuse at most; beyond it released buffers are freed.
    nonisolated(unsafe) public static var limitBytes: Int = {
        if let s = ProcessInfo.processInfo.environment["DIFFINST_BUFFER_CACHE_MB"], let mb = Int(s), mb >= 0 { return mb << 20 }
        return 2048 << 20
    }()

    nonisolated(unsafe) private static var free: [Int: [UnsafeMutableRawPointer]] = [:]
    nonisolated(unsafe) private static var idleBytes = 0
    private static let lock = NSLock()

    /// Bytes idle in the cache now.
    public static var cachedBytes: Int { lock.withLock { idleBytes } }

    /// The smallest size class holding `bytes`: 2^e · {1, 1.25, 1.5, 1.75}.
    static func sizeClass(_ bytes: Int) -> Int {
        let exponent = Int.bitWidth - 1 - (bytes - 1).leadingZeroBitCount  // 2^exponent ≤ bytes - 1 < 2^(exponent+1)
        let base = 1 << exponent, quarter = base >> 2
        let steps = (bytes - base + quarter - 1) / quarter
        return base + steps * quarter
    }

    /// A 64-byte aligned buffer of at least `bytes` and its real capacity (pass it back to `release`).
    static func allocate(bytes: Int) -> (UnsafeMutableRawPointer, Int) {
        guard bytes >= minimumBytes else {
            return (UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64), bytes)
        }
        let capacity = sizeClass(bytes)
        lock.lock()
        if let pointer = free[capacity]?.popLast() {
            idleBytes -= capacity
            lock.unlock()
            return (pointer, capacity)
        }
        lock.unlock()
        return (UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64), capacity)
    }

    static func release(_ pointer: UnsafeMutableRawPointer, capacityBytes: Int) {
        guard capacityBytes >= minimumBytes else { pointer.deallocate(); return }
        lock.lock()
        if idleBytes + capacityBytes <= limitBytes {
            free[capacityBytes, default: []].append(pointer)
            idleBytes += capacityBytes
            lock.unlock()
            return
        }
        lock.unlock()
        pointer.deallocate()
    }

    /// Frees every idle buffer (e.g. between phases with different shapes).
    public static func purge() {
        lock.lock()
        let pointers = free.values.flatMap { $0 }
        free.removeAll()
        idleBytes = 0
        lock.unlock()
        for pointer in pointers { pointer.deallocate() }
    }
}
