// Softmax, log-softmax and layer normalisation kernels (forward and backward) on `Tensor`.
// The last-axis case (rows contiguous) is the fast path; other axes are moved last and back.
import Foundation

extension Tensor {
    /// Applies `rowOp(input row, output row, n)` to every slice along `axis`.
    func alongAxis(_ axis: Int, cost: Int, _ rowOp: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
        let axis = axis < 0 ? axis + rank : axis
        if axis != rank - 1 {
            var perm = Array(0..<rank); perm.remove(at: axis); perm.append(axis)
            var inverse = [Int](repeating: 0, count: rank)
            for (i, p) in perm.enumerated() { inverse[p] = i }
            return permuted(perm).alongAxis(rank - 1, cost: cost, rowOp).permuted(inverse)
        }
        let n = shape[axis], rows = count / Swift.max(n, 1)
        return Tensor(shape: shape) { out in
            withUnsafePointer { p in
                Parallel.forEachChunk(rows, costPerItem: n * cost) { r in
                    for row in r { rowOp(p + row * n, out + row * n, n) }
                }
            }
        }
    }

    public func softmax(axis: Int) -> Tensor {
        alongAxis(axis, cost: 10) { x, y, n in
            let m = Tensor.rowMax(x, n)
            for j in 0..<n { y[j] = fastExp(x[j] - m) }
            let inv = 1 / Tensor.rowSum(y, n)
            for j in 0..<n { y[j] *= inv }
        }
    }

    public func logSoftmax(axis: Int) -> Tensor {
        alongAxis(axis, cost: 10) { x, y, n in
            let m = Tensor.rowMax(x, n)
            for j in 0..<n { y[j] = fastExp(x[j] - m) }
            let shift = m + Foundation.log(Tensor.rowSum(y, n))
            for j in 0..<n { y[j] = x[j] - shift }
        }
    }

    /// Gradient of softmax given its output y = self: y ⊙ (g − Σ_axis g⊙y) (fused on the last axis).
    public func softmaxBackward(_ g: Tensor, axis: Int) -> Tensor {
        let axis = axis < 0 ? axis + rank : axis
        guard axis == rank - 1 else { return self * (g - (g * self).sum(axes: [axis], keepDims: true)) }
        return rowPairMap(g) { y, gr, o, n in
            let dot = Tensor.rowDot(gr, y, n)
            for j in 0..<n { o[j] = y[j] * (gr[j] - dot) }
        }
    }

    /// Gradient of log-softmax given its output y = self: g − e^y ⊙ Σ_axis g (fused on the last axis).
    public func logSoftmaxBackward(_ g: Tensor, axis: Int) -> Tensor {
        let axis = axis < 0 ? axis + rank : axis
        guard axis == rank - 1 else { return g - exp() * g.sum(axes: [axis], keepDims: true) }
        return rowPairMap(g) { y, gr, o, n in
            let total = Tensor.rowSum(gr, n)
            for j in 0..<n { o[j] = gr[j] - fastExp(y[j]) * total }
        }
    }

    /// Applies `rowOp(self row, other row, output row, n)` to every last-axis row.
    func rowPairMap(_ other: Tensor, _ rowOp: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
        precondition(other.shape == shape, "row map of \(shape) with \(other.shape)")
        let n = shape.last ?? 1, rows = count / Swift.max(n, 1)
        return Tensor(shape: shape) { out in
            withUnsafePointer { a in other.withUnsafePointer { b in
                Parallel.forEachChunk(rows, costPerItem: n * 4) { r in
                    for row in r { rowOp(a + row * n, b + row * n, out + row * n, n) }
                }
            } }
        }
    }

    /// Layer normalisation over the last axis (no affine part). Returns the normalised values
    /// and the per-row 1/σ (shape: leading dims), which the backward pass reuses.
    public func layerNormalized(eps: Float) -> (normalized: Tensor, inverseStd: Tensor) {
        let n = shape[rank - 1], rows = count / Swift.max(n, 1)
        var inverseStd = Tensor(shape: Array(shape.dropLast()))
        let y = Tensor(shape: shape) { out in
            withUnsafePointer { p in
                inverseStd.withUnsafeMutablePointer { rs in
                    Parallel.forEachChunk(rows, costPerItem: n * 4) { r in
                        for row in r {
                            let x = p + row * n, o = out + row * n
                            let mean = Tensor.rowSum(x, n) / Float(n)
                            for j in 0..<n { o[j] = x[j] - mean }
                            let inv = 1 / (Tensor.rowDot(o, o, n) / Float(n) + eps).squareRoot()
                            rs[row] = inv
                            for j in 0..<n { o[j] *= inv }
                        }
                    }
                }
            }
        }
        return (y, inverseStd)
    }

    /// Gradient of layer normalisation w.r.t. its input, given x̂ = self, 1/σ, and
    /// gx̂ = dL/dx̂: dx = (1/σ)(gx̂ − mean(gx̂) − x̂·mean(gx̂ ⊙ x̂)), row by row.
    public func layerNormBackward(normalizedGrad g: Tensor, inverseStd: Tensor) -> Tensor {
        let n = shape[rank - 1], rows = count / Swift.max(n, 1)
        return Tensor(shape: shape) { out in
            withUnsafePointer { xh in g.withUnsafePointer { pg in inverseStd.withUnsafePointer { rs in
                Parallel.forEachChunk(rows, costPerItem: n * 4) { r in
                    for row in r {
                        let x = xh + row * n, gr = pg + row * n, o = out + row * n
                        let mg = Tensor.rowSum(gr, n) / Float(n), mgx = Tensor.rowDot(gr, x, n) / Float(n), inv = rs[row]
                        for j in 0..<n { o[j] = inv * (gr[j] - mg - x[j] * mgx) }
                    }
                }
            } } }
        }
    }
}

public func softmax(_ a: Tensor, axis: Int) -> Tensor { a.softmax(axis: axis) }
public func logSoftmax(_ a: Tensor, axis: Int) -> Tensor { a.logSoftmax(axis: axis) }
