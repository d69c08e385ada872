// Differentiable reductions on `Variable`. Gradients are broadcast back over the reduced axes;
// `max` shares the gradient equally among tied maxima (like PyTorch's `amax`).
import Tensor

extension Variable {
    public func sum() -> Variable {
        let shape = self.shape
        return Variable.record(value.sum(), op: "sum", inputs: [self]) { g in [Tensor(shape: shape, repeating: g.scalar)] }
    }
    public func mean() -> Variable {
        let shape = self.shape, n = Float(Swift.max(count, 1))
        return Variable.record(value.mean(), op: "mean", inputs: [self]) { g in [Tensor(shape: shape, repeating: g.scalar / n)] }
    }

    /// Shape of the result with the reduced axes kept as 1.
    func keptShape(_ axes: [Int]) -> [Int] {
        var s = shape
        for a in value.normalizedAxes(axes) { s[a] = 1 }
        return s
    }

    public func sum(axes: [Int], keepDims: Bool = false) -> Variable {
        let shape = self.shape, kept = keptShape(axes)
        return Variable.record(value.sum(axes: axes, keepDims: keepDims), op: "sumAxes", inputs: [self]) { g in
            [g.reshaped(kept).expanded(to: shape)]
        }
    }
    public func mean(axes: [Int], keepDims: Bool = false) -> Variable {
        let n = value.normalizedAxes(axes).map { shape[$0] }.reduce(1, *)
        return sum(axes: axes, keepDims: keepDims) * (1 / Float(Swift.max(n, 1)))
    }
    public func max(axes: [Int], keepDims: Bool = false) -> Variable {
        let x = value, kept = keptShape(axes)
        let m = x.max(axes: axes, keepDims: true)
        return Variable.record(keepDims ? m : m.reshaped(Tensor.droppingAxes(x.normalizedAxes(axes), from: x.shape)),
                               op: "max", inputs: [self]) { g in
            let mask = x.equal(m)
            let ties = mask.sum(axes: axes, keepDims: true)
            return [mask * (g.reshaped(kept) / ties)]
        }
    }
    /// log Σ exp over `axes`; its gradient is the softmax over those axes.
    public func logSumExp(axes: [Int], keepDims: Bool = false) -> Variable {
        let x = value, kept = keptShape(axes)
        let lse = x.logSumExp(axes: axes, keepDims: true)
        return Variable.record(keepDims ? lse : lse.reshaped(Tensor.droppingAxes(x.normalizedAxes(axes), from: x.shape)),
                               op: "logSumExp", inputs: [self]) { g in
            [(x - lse).exp() * g.reshaped(kept)]
        }
    }
}
