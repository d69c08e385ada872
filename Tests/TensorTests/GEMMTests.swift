import XCTest
import Tensor
import TestSupport

/// The raw GEMM entry point against a Float64 triple loop: every transpose pair, padded leading
/// dimensions, alpha/beta (beta = 0 must ignore NaN in C), sizes around the 6×64 / 14×32 tiles and the
/// 256-deep k blocks, products at most 4 column tiles wide (op(A) read in place, no packing) and wider ones, products large enough to be split over the pool by rows and by columns, and
/// every backend (our kernel with each instruction set the CPU runs, AVX-512 and/or AVX2+FMA; OpenBLAS always).
final class GEMMTests: XCTestCase {
    struct Case { let m, n, k: Int; let ta, tb: Bool; let alpha, beta: Float }

    static let cases: [Case] = [
        Case(m: 1, n: 1, k: 1, ta: false, tb: false, alpha: 1, beta: 0),
        Case(m: 7, n: 3, k: 5, ta: true, tb: true, alpha: 0.5, beta: 2),
        Case(m: 6, n: 64, k: 256, ta: false, tb: false, alpha: 1, beta: 1),
        Case(m: 14, n: 32, k: 257, ta: false, tb: true, alpha: 1, beta: 0),
        Case(m: 13, n: 33, k: 300, ta: true, tb: false, alpha: -1, beta: 0.25),
        Case(m: 49, n: 32, k: 128, ta: false, tb: false, alpha: 1, beta: 0),
        Case(m: 100, n: 17, k: 33, ta: false, tb: true, alpha: 1, beta: 0),
        Case(m: 65, n: 129, k: 600, ta: false, tb: false, alpha: 1, beta: 0),   // split over columns
        Case(m: 517, n: 40, k: 300, ta: true, tb: false, alpha: 1, beta: 1),    // split over rows
        Case(m: 64, n: 300, k: 700, ta: false, tb: true, alpha: 0.7, beta: 0.3),
        Case(m: 301, n: 130, k: 70, ta: true, tb: true, alpha: 1, beta: 0),
    ]

    func testEveryBackendAgainstFloat64Reference() {
        for (index, c) in Self.cases.enumerated() { check(c, seed: UInt64(index), backend: "OpenBLAS", using: .openBLAS) }
        for isa in nativeISAsOfThisCPU {
            withNativeISA(isa) {
                for (index, c) in Self.cases.enumerated() { check(c, seed: UInt64(index), backend: isa.name, using: .native) }
            }
        }
    }

    func check(_ c: Case, seed: UInt64, backend: String, using selected: GEMMBackend) {
        let saved = GEMM.backend
        GEMM.backend = selected
        defer { GEMM.backend = saved }
        // Stored shapes with 3 spare columns per row, so leading dimensions differ from the widths.
        let (aRows, aCols) = c.ta ? (c.k, c.m) : (c.m, c.k)
        let (bRows, bCols) = c.tb ? (c.n, c.k) : (c.k, c.n)
        let (lda, ldb, ldc) = (aCols + 3, bCols + 3, c.n + 3)
        let a = randomTensor([aRows, lda], seed: seed).scalars
        let b = randomTensor([bRows, ldb], seed: seed + 100).scalars
        var out = randomTensor([c.m, ldc], seed: seed + 200).scalars
        if c.beta == 0 { for i in stride(from: 0, to: out.count, by: 7) { out[i] = .nan } }
        let before = out
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in out.withUnsafeMutableBufferPointer { pc in
            GEMM.multiply(transposeA: c.ta, transposeB: c.tb, m: c.m, n: c.n, k: c.k, alpha: c.alpha,
                          pa.baseAddress!, lda: lda, pb.baseAddress!, ldb: ldb, beta: c.beta, pc.baseAddress!, ldc: ldc)
        } } }
        let label = "\(backend) m\(c.m) n\(c.n) k\(c.k) ta\(c.ta) tb\(c.tb)"
        for i in 0..<c.m {
            for j in 0..<ldc {
                let got = out[i * ldc + j]
                guard j < c.n else {
                    // Padding columns are never written.
                    XCTAssert(got == before[i * ldc + j] || (got.isNaN && before[i * ldc + j].isNaN), "\(label): wrote padding (\(i), \(j))")
                    continue
                }
                var sum = 0.0
                for p in 0..<c.k {
                    let x = c.ta ? a[p * lda + i] : a[i * lda + p]
                    let y = c.tb ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(x) * Double(y)
                }
                let expected = Double(c.alpha) * sum + (c.beta == 0 ? 0 : Double(c.beta) * Double(before[i * ldc + j]))
                if abs(Double(got) - expected) > 1e-4 * (1 + abs(expected)) * Double(c.k).squareRoot() || got.isNaN {
                    XCTFail("\(label): C[\(i), \(j)] = \(got), expected \(expected)")
                    return
                }
            }
        }
    }
}
