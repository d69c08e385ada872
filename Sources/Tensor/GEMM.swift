// The one entry point for single-precision matrix products. On CPUs with AVX-512 or AVX2+FMA it
// runs the engine's own kernel (CKernels/sgemm.c, sgemm_avx2.c) split over our worker pool;
// elsewhere, or with DIFFINST_GEMM=openblas, it calls OpenBLAS (DIFFINST_GEMM=avx2 forces the AVX2
// kernel on an AVX-512 CPU). Measured on Zen 5 (2 cores): OpenBLAS 0.3.21 reaches ~100-120
// GFLOP/s per core with its Haswell kernels, ours 130-230 with AVX-512.
import CBLAS
import CKernels
import Foundation

public enum GEMMBackend: String, Sendable {
    case native, openBLAS = "openblas"
}

/// The instruction set of the native kernel.
public enum NativeISA: Int32, Sendable, CaseIterable {
    case none = 0, avx2 = 1, avx512 = 2
    public var name: String { self == .avx512 ? "AVX-512" : self == .avx2 ? "AVX2+FMA" : "none" }
}

public enum GEMM {
    /// The backend every product uses (fixed at start-up; tests switch it).
    nonisolated(unsafe) public static var backend: GEMMBackend = {
        switch ProcessInfo.processInfo.environment["DIFFINST_GEMM"]?.lowercased() {
        case "openblas": return .openBLAS
        case "avx2": _ = dk_select_isa(NativeISA.avx2.rawValue)
        default: break
        }
        return dk_native_isa() > 0 ? .native : .openBLAS
    }()

    /// The best instruction set this CPU runs the native kernel with.
    public static var availableISA: NativeISA { NativeISA(rawValue: dk_available_isa()) ?? .none }

    /// The instruction set the native kernel uses; setting it to one the CPU lacks is a programming error.
    public static var nativeISA: NativeISA {
        get { NativeISA(rawValue: dk_native_isa()) ?? .none }
        set {
            // Not inside precondition(): release builds use -Ounchecked, which drops the condition, call included.
            let selected = dk_select_isa(newValue.rawValue)
            precondition(selected != 0, "this CPU cannot run \(newValue.name)")
        }
    }

    /// "native AVX-512", "native AVX2+FMA" or "OpenBLAS", for logs and benchmark headers.
    public static var summary: String { backend == .native ? "native \(nativeISA.name)" : "OpenBLAS" }

    /// Products smaller than this many multiply-adds run on the calling thread: handing work to the
    /// pool costs ~5-10 µs, a 2M-MAC product takes ~10 µs on one core.
    static let parallelThreshold = 1 << 21

    /// C = alpha·op(A)·op(B) + beta·C on row-major buffers with leading dimensions; op(A) is m×k,
    /// op(B) is k×n. Uses every worker of `Parallel` (or OpenBLAS's threads).
    @inline(__always)
    public static func multiply(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                                _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                                beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        // OpenBLAS runs its own threads; small products are not worth handing to the pool.
        let workers = m * n * k >= parallelThreshold ? Parallel.threadCount : 1
        if backend != .native || workers <= 1 || k == 0 {
            multiplySerial(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                           a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
            return
        }
        // Split the dimension whose duplicated packing costs less: cutting N makes every worker pack
        // all of op(A) (m·k), cutting M makes every worker pack all of op(B) (k·n). Cuts fall on tile edges.
        let tileRows = Int(dk_sgemm_tile_rows(n)), tileColumns = Int(dk_sgemm_tile_columns(n))
        let columnTiles = (n + tileColumns - 1) / tileColumns, rowTiles = (m + tileRows - 1) / tileRows
        let splitColumns = columnTiles >= 2 * workers && (m <= n || rowTiles < 2 * workers)
        let tiles = splitColumns ? columnTiles : rowTiles
        let parts = min(workers, tiles)
        if parts <= 1 {
            dk_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        Parallel.run(parts) { part in
            let lo = tiles * part / parts, hi = tiles * (part + 1) / parts
            if splitColumns {
                let j0 = lo * tileColumns, j1 = min(n, hi * tileColumns)
                guard j0 < j1 else { return }
                let bPart = transposeB ? b + j0 * ldb : b + j0
                dk_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, m, j1 - j0, k, alpha, a, lda, bPart, ldb, beta, c + j0, ldc)
            } else {
                let i0 = lo * tileRows, i1 = min(m, hi * tileRows)
                guard i0 < i1 else { return }
                let aPart = transposeA ? a + i0 : a + i0 * lda
                dk_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, i1 - i0, n, k, alpha, aPart, lda, b, ldb, beta, c + i0 * ldc, ldc)
            }
        }
    }

    /// The same product on the calling thread only (native kernel), for use inside a parallel loop;
    /// with the OpenBLAS backend, one OpenBLAS call.
    @inline(__always)
    public static func multiplySerial(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                                      _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                                      beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if k == 0 { scale(c, m: m, n: n, ldc: ldc, beta: beta); return }
        if backend == .native {
            dk_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        } else {
            cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
    }

    /// C = beta·C (the k = 0 product); beta = 0 writes zeros without reading C.
    static func scale(_ c: UnsafeMutablePointer<Float>, m: Int, n: Int, ldc: Int, beta: Float) {
        for i in 0..<m {
            let row = c + i * ldc
            if beta == 0 { row.initialize(repeating: 0, count: n) } else { for j in 0..<n { row[j] *= beta } }
        }
    }
}
