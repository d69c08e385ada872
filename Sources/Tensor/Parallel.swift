// The engine's one parallel loop. Rule (spec/workloads.md): never run this pool and OpenBLAS's
// threads at the same time on 2 cores; parallelise around BLAS calls, never over them.
import Foundation
import CBLAS

public enum Parallel {
    /// Worker count for our own loops (defaults to the core count; `DIFFINST_THREADS` overrides).
    nonisolated(unsafe) public static var threadCount: Int = {
        if let s = ProcessInfo.processInfo.environment["DIFFINST_THREADS"], let n = Int(s), n > 0 { return n }
        return ProcessInfo.processInfo.activeProcessorCount
    }()

    /// Runs `body(range)` over `0..<count` split into contiguous chunks, one per worker.
    /// Falls back to a plain call for small work (`count * costPerItem` below ~32k operations).
    public static func forEachChunk(_ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void) {
        let workers = min(threadCount, count)
        if workers <= 1 || count * costPerItem < 32_768 {
            if count > 0 { body(0..<count) }
            return
        }
        pool.run(workers) { w in
            let lo = count * w / workers, hi = count * (w + 1) / workers
            if lo < hi { body(lo..<hi) }
        }
    }

    /// Runs `body(task)` for every task in 0..<count on the pool (tasks are handed out one at a time).
    public static func run(_ count: Int, _ body: (Int) -> Void) { pool.run(count, body) }

    /// The worker threads (created on first use with `threadCount` workers).
    static let pool = WorkerPool(workers: threadCount)
}

public enum BLAS {
    /// Sets OpenBLAS's thread count (used for GEMM only).
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }
    public static var threads: Int { Int(openblas_get_num_threads()) }
    public static var configuration: String { String(cString: openblas_get_config()) }
}
