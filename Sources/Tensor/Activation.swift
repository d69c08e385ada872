// Activation functions on `Tensor` and their derivatives, written as fused kernels
// (`xxxBackward(grad)` returns grad ⊙ f'(x)) so the autodiff rules allocate one tensor each.
import Foundation

extension Tensor {
    public func relu() -> Tensor { mapElements(ReLU()) }
    /// GELU in the exact erf form: x·Φ(x) = ½x(1 + erf(x/√2)).
    public func gelu() -> Tensor {
        // Explicit loops (not `map`): the closure would not be inlined, and the loop would not vectorise.
        let n = count
        return Tensor(shape: shape) { out in
            withUnsafePointer { p in
                Parallel.forEachChunk(n, costPerItem: 16) { r in for i in r { out[i] = geluScalar(p[i]) } }
            }
        }
    }
    public func sigmoid() -> Tensor { mapElements(Sigmoid(), cost: 8) }
    public func silu() -> Tensor { map(cost: 8) { $0 / (1 + fastExp(-$0)) } }
    /// tanh as 1 − 2/(e^{2x} + 1) (absolute error ~1e-7).
    public func tanh() -> Tensor { map(cost: 4) { 1 - 2 / (fastExp(2 * $0) + 1) } }
    /// softplus(x) = log(1 + eˣ), computed as max(x,0) + log1p(e^{-|x|}) for stability.
    public func softplus() -> Tensor { map(cost: 16) { Swift.max($0, 0) + log1p(fastExp(-Swift.abs($0))) } }

    /// Fused pair map for same-count tensors: out[i] = op(self[i], g[i]) (shape of self).
    @inlinable @inline(__always)
    public func zipMap(_ g: Tensor, cost: Int = 1, _ op: (Float, Float) -> Float) -> Tensor {
        precondition(g.count == count, "gradient of \(g.shape) for value of \(shape)")
        let n = count
        return Tensor(shape: shape) { out in
            withUnsafePointer { px in g.withUnsafePointer { pg in
                Parallel.forEachChunk(n, costPerItem: cost) { r in for i in r { out[i] = op(px[i], pg[i]) } }
            } }
        }
    }

    /// Fused triple map for same-count tensors: out[i] = op(self[i], b[i], c[i]).
    @inlinable @inline(__always)
    public func zipMap(_ b: Tensor, _ c: Tensor, cost: Int = 1, _ op: (Float, Float, Float) -> Float) -> Tensor {
        precondition(b.count == count && c.count == count, "zipMap of \(shape), \(b.shape), \(c.shape)")
        let n = count
        return Tensor(shape: shape) { out in
            withUnsafePointer { pa in b.withUnsafePointer { pb in c.withUnsafePointer { pc in
                Parallel.forEachChunk(n, costPerItem: cost) { r in for i in r { out[i] = op(pa[i], pb[i], pc[i]) } }
            } } }
        }
    }

    /// grad ⊙ relu'(x), with x = self (the input).
    public func reluBackward(_ grad: Tensor) -> Tensor { zipElements(grad, ReLUGate.self) }
    /// grad ⊙ (Φ(x) + x·φ(x)).
    public func geluBackward(_ grad: Tensor) -> Tensor {
        precondition(grad.count == count, "gradient of \(grad.shape) for value of \(shape)")
        let n = count
        return Tensor(shape: shape) { out in
            withUnsafePointer { p in grad.withUnsafePointer { g in
                Parallel.forEachChunk(n, costPerItem: 16) { r in for i in r { out[i] = geluBackwardScalar(p[i], g[i]) } }
            } }
        }
    }
    /// grad ⊙ y(1−y), with y = self (the sigmoid output).
    public func sigmoidBackwardFromOutput(_ grad: Tensor) -> Tensor { zipElements(grad, SigmoidGate.self) }
    /// grad ⊙ (1−y²), with y = self (the tanh output).
    public func tanhBackwardFromOutput(_ grad: Tensor) -> Tensor { zipMap(grad) { y, g in g * (1 - y * y) } }
    /// grad ⊙ σ(x)(1 + x(1−σ(x))), with x = self.
    public func siluBackward(_ grad: Tensor) -> Tensor { zipMap(grad, cost: 8, siluBackwardScalar) }
    /// grad ⊙ σ(x), with x = self.
    public func softplusBackward(_ grad: Tensor) -> Tensor {
        zipMap(grad, cost: 8) { x, g in g / (1 + fastExp(-x)) }
    }
}
