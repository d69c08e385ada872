// Differentiable matrix products. Gradients are themselves GEMMs with transpose flags, so no
// operand is ever copied to transpose it; batch-broadcast operands get their gradient summed.
import Tensor

/// op(a)·op(b) with `cblas_sgemm`: 2-D, batched over equal leading dims, or N-d × 2-D.
public func matmul(_ a: Variable, _ b: Variable, transposeA: Bool = false, transposeB: Bool = false) -> Variable {
    let (x, y) = (a.value, b.value)
    let (needA, needB) = (a.requiresGrad, b.requiresGrad)
    let out = matmul(x, y, transposeA: transposeA, transposeB: transposeB)
    return Variable.record(out, op: "matmul", inputs: [a, b]) { g in
        var gradA: Tensor? = nil, gradB: Tensor? = nil
        if needA {
            gradA = transposeA ? matmul(y, g, transposeA: transposeB, transposeB: true)
                               : matmul(g, y, transposeB: !transposeB)
            if gradA!.rank > x.rank { gradA = gradA!.sumToShape(x.shape) }
        }
        if needB {
            if y.rank == 2 && x.rank > 2 && !transposeA {
                // Fold the batch into rows: one GEMM instead of a batch of GEMMs plus a sum.
                let k = x.shape[x.rank - 1], n = g.shape[g.rank - 1]
                let x2 = x.reshaped([-1, k]), g2 = g.reshaped([-1, n])
                gradB = transposeB ? matmul(g2, x2, transposeA: true) : matmul(x2, g2, transposeA: true)
            } else {
                gradB = transposeB ? matmul(g, x, transposeA: true, transposeB: transposeA)
                                   : matmul(x, g, transposeA: !transposeA)
                if gradB!.rank > y.rank { gradB = gradB!.sumToShape(y.shape) }
            }
        }
        return [gradA, gradB]
    }
}

/// y = x·Wᵀ + b over the last axis of `x` (PyTorch `F.linear`): x [..., in], weight [out, in], bias [out].
/// The bias is written into the output first and the GEMM accumulates onto it (one pass).
public func linear(_ x: Variable, weight: Variable, bias: Variable?) -> Variable {
    let input = x.value, w = weight.value
    let inFeatures = input.shape[input.rank - 1], outFeatures = w.shape[0]
    precondition(w.rank == 2 && w.shape[1] == inFeatures, "linear: input \(input.shape) vs weight \(w.shape)")
    let rows = input.count / Swift.max(inFeatures, 1)
    let outShape = Array(input.shape.dropLast()) + [outFeatures]
    let out = Tensor(shape: outShape) { c in
        if let b = bias?.value {
            precondition(b.count == outFeatures, "linear: bias \(b.shape) for \(outFeatures) outputs")
            b.withUnsafePointer { pb in for r in 0..<rows { (c + r * outFeatures).update(from: pb, count: outFeatures) } }
        }
        input.withUnsafePointer { px in w.withUnsafePointer { pw in
            gemm(transposeA: false, transposeB: true, m: rows, n: outFeatures, k: inFeatures, px, pw, beta: bias == nil ? 0 : 1, c)
        } }
    }
    let (needX, needW, needB) = (x.requiresGrad, weight.requiresGrad, bias?.requiresGrad ?? false)
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    return Variable.record(out, op: "linear", inputs: inputs) { g in
        let g2 = g.reshaped([rows, outFeatures])
        var grads: [Tensor?] = [
            needX ? matmul(g2, w).reshaped(input.shape) : nil,
            needW ? matmul(g2, input.reshaped([rows, inFeatures]), transposeA: true) : nil,
        ]
        if bias != nil { grads.append(needB ? g2.sum(axes: [0]) : nil) }
        return grads
    }
}
