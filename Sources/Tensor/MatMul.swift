// Matrix products through `GEMM` (our AVX-512 kernel or OpenBLAS). Transposes are passed as flags
// (never copied). Batched products run one serial GEMM per item, items spread over the pool; a 2-D
// right operand with an N-d left operand folds the leading dimensions into rows (one GEMM).

/// C = alpha·op(A)·op(B) + beta·C on raw row-major buffers; op(A) is m×k, op(B) is k×n.
@inline(__always)
public func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                 _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, beta: Float = 0, _ c: UnsafeMutablePointer<Float>) {
    GEMM.multiply(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                  a, lda: transposeA ? m : k, b, ldb: transposeB ? k : n, beta: beta, c, ldc: n)
}

/// op(a)·op(b) where op transposes the last two axes when asked.
/// Shapes: [M,K]·[K,N]; [B…,M,K]·[B…,K,N] (equal leading dims); [B…,M,K]·[K,N]; [M,K]·[B…,K,N].
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    precondition(a.rank >= 2 && b.rank >= 2, "matmul needs rank ≥ 2, got \(a.shape) and \(b.shape)")
    let (ar, ac) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
    let (br, bc) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
    let (m, k) = transposeA ? (ac, ar) : (ar, ac)
    let (k2, n) = transposeB ? (bc, br) : (br, bc)
    precondition(k == k2, "matmul: inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
    let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
    if batchB.isEmpty && !transposeA {
        // Fold all leading dims of `a` into rows: one large GEMM.
        let rows = a.count / Swift.max(k, 1)
        return Tensor(shape: batchA + [m, n]) { c in
            a.withUnsafePointer { pa in b.withUnsafePointer { pb in
                gemm(transposeA: false, transposeB: transposeB, m: rows, n: n, k: k, pa, pb, c)
            } }
        }
    }
    precondition(batchA.isEmpty || batchB.isEmpty || batchA == batchB,
                 "matmul: batch dimensions differ: \(a.shape) · \(b.shape)")
    let batchShape = batchA.isEmpty ? batchB : batchA
    let batch = batchShape.reduce(1, *)
    let strideA = batchA.isEmpty ? 0 : m * k, strideB = batchB.isEmpty ? 0 : k * n
    return Tensor(shape: batchShape + [m, n]) { c in
        a.withUnsafePointer { pa in b.withUnsafePointer { pb in
            // Many small products (the decoder's per-proposal 49×D·D×k): items in parallel, each serial.
            // One large product per item: items in turn, each over the whole pool.
            if m * n * k < GEMM.parallelThreshold {
                Parallel.forEachChunk(batch, costPerItem: m * n * k) { items in
                    for i in items {
                        GEMM.multiplySerial(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                            pa + i * strideA, lda: transposeA ? m : k, pb + i * strideB, ldb: transposeB ? k : n,
                                            c + i * m * n, ldc: n)
                    }
                }
            } else {
                for i in 0..<batch {
                    gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                         pa + i * strideA, pb + i * strideB, c + i * m * n)
                }
            }
        } }
    }
}

/// Naive triple-loop reference for tests (Float64 accumulation).
public func matmulReference(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    let at = transposeA ? a.transposed() : a, bt = transposeB ? b.transposed() : b
    let m = at.shape[at.rank - 2], k = at.shape[at.rank - 1], n = bt.shape[bt.rank - 1]
    let batchShape = at.rank > 2 ? Array(at.shape.dropLast(2)) : Array(bt.shape.dropLast(2))
    let batch = batchShape.reduce(1, *)
    let sa = at.rank > 2 ? m * k : 0, sb = bt.rank > 2 ? k * n : 0
    let x = at.scalars, y = bt.scalars
    var out = [Float](repeating: 0, count: batch * m * n)
    for bi in 0..<batch { for i in 0..<m { for j in 0..<n {
        var s = 0.0
        for l in 0..<k { s += Double(x[bi * sa + i * k + l]) * Double(y[bi * sb + l * n + j]) }
        out[(bi * m + i) * n + j] = Float(s)
    } } }
    return Tensor(shape: batchShape + [m, n], scalars: out)
}
