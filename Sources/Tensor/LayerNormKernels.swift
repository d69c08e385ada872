// Fused layer-norm kernels over the last axis: the forward writes x̂ and the affine output in one
// pass; the backward produces dx, dweight and dbias in one pass (per-worker partial sums for the
// parameter gradients). The unfused chain (normalise, ×w, +b; g×w, dx, g×x̂ summed, g summed) made
// seven passes over the decoder's 400×49×128 interaction maps.
import Foundation

extension Tensor {
    /// y = x̂·w + b with x̂ = (x − μ)/√(σ² + eps) per row, then max(y, 0) with `relu`; returns (y, x̂, 1/σ per row).
    public func layerNorm(weight: Tensor, bias: Tensor, eps: Float, relu: Bool = false) -> (output: Tensor, normalized: Tensor, inverseStd: Tensor) {
        let n = shape[rank - 1], rows = count / Swift.max(n, 1)
        precondition(weight.count == n && bias.count == n, "layerNorm: weight \(weight.shape), bias \(bias.shape) for rows of \(n)")
        var normalized = Tensor(shape: shape, unsafeUninitialized: { _ in })
        var inverseStd = Tensor(shape: Array(shape.dropLast()))
        let output = Tensor(shape: shape) { out in
            withUnsafePointer { p in weight.withUnsafePointer { w in bias.withUnsafePointer { b in
                normalized.withUnsafeMutablePointer { xh in inverseStd.withUnsafeMutablePointer { rs in
                    Parallel.forEachChunk(rows, costPerItem: n * 5) { range in
                        for row in range {
                            let x = p + row * n, h = xh + row * n, o = out + row * n
                            let mean = Tensor.rowSum(x, n) / Float(n)
                            for j in 0..<n { h[j] = x[j] - mean }
                            let inv = 1 / (Tensor.rowDot(h, h, n) / Float(n) + eps).squareRoot()
                            rs[row] = inv
                            for j in 0..<n {
                                let v = h[j] * inv
                                h[j] = v
                                let y = v * w[j] + b[j]
                                o[j] = relu ? Swift.max(y, 0) : y
                            }
                        }
                    }
                } }
            } } }
        }
        return (output, normalized, inverseStd)
    }

    /// Gradients of `layerNorm(weight:bias:eps:relu:)` from the output gradient `self`, given x̂ and 1/σ
    /// (and the output when it went through the ReLU: g is zeroed where it is not positive):
    /// dx = (1/σ)(ĝ − mean ĝ − x̂·mean(ĝ x̂)) with ĝ = g·w; dw = Σ_rows g x̂; db = Σ_rows g.
    public func layerNormGradients(normalized: Tensor, inverseStd: Tensor, weight: Tensor, reluOutput: Tensor? = nil,
                                   needInput: Bool, needParameters: Bool) -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
        let n = shape[rank - 1], rows = count / Swift.max(n, 1)
        let workers = Swift.max(1, Swift.min(Parallel.threadCount, rows * n / 32_768))
        var partials = [Float](repeating: 0, count: needParameters ? workers * 2 * n : 0)
        var input: Tensor? = needInput ? Tensor(shape: shape, unsafeUninitialized: { _ in }) : nil
        let mask = reluOutput ?? self
        withUnsafePointer { pg in normalized.withUnsafePointer { xh in inverseStd.withUnsafePointer { rs in weight.withUnsafePointer { w in
        mask.withUnsafePointer { py in
            partials.withUnsafeMutableBufferPointer { partialBuffer in
                let dx = input?.withUnsafeMutablePointer { $0 }
                let partial = partialBuffer.baseAddress
                let body: (Int) -> Void = { worker in
                    let lo = rows * worker / workers, hi = rows * (worker + 1) / workers
                    let dw = needParameters ? partial! + worker * 2 * n : nil, db = dw.map { $0 + n }
                    var scratch = [Float](repeating: 0, count: 2 * n)
                    scratch.withUnsafeMutableBufferPointer { buffer in
                        let gHat = buffer.baseAddress!, gated = gHat + n
                        for row in lo..<hi {
                            var g = pg + row * n
                            let x = xh + row * n
                            if reluOutput != nil {
                                let y = py + row * n
                                for j in 0..<n { gated[j] = y[j] > 0 ? g[j] : 0 }
                                g = UnsafePointer(gated)
                            }
                            if let dw, let db {
                                for j in 0..<n { dw[j] += g[j] * x[j]; db[j] += g[j] }
                            }
                            guard let dx else { continue }
                            for j in 0..<n { gHat[j] = g[j] * w[j] }
                            let mg = Tensor.rowSum(gHat, n) / Float(n), mgx = Tensor.rowDot(gHat, x, n) / Float(n), inv = rs[row]
                            let o = dx + row * n
                            for j in 0..<n { o[j] = inv * (gHat[j] - mg - x[j] * mgx) }
                        }
                    }
                }
                if workers == 1 { body(0) } else { Parallel.run(workers, body) }
            }
        } } } } }
        guard needParameters else { return (input, nil, nil) }
        var dw = [Float](repeating: 0, count: n), db = dw
        for worker in 0..<workers {
            for j in 0..<n { dw[j] += partials[worker * 2 * n + j]; db[j] += partials[worker * 2 * n + n + j] }
        }
        return (input, Tensor(shape: weight.shape, scalars: dw), Tensor(shape: weight.shape, scalars: db))
    }
}
