// Differentiable layout and indexing ops on `Variable`. Each gradient is the adjoint layout op
// (reshape back, inverse permutation, zero-pad a slice, split a concat, scatter a gather…).
import Tensor

extension Variable {
    public func reshaped(_ newShape: [Int]) -> Variable {
        let shape = self.shape
        return Variable.record(value.reshaped(newShape), op: "reshape", inputs: [self]) { g in [g.reshaped(shape)] }
    }
    public func permuted(_ axes: [Int]) -> Variable {
        let axes = axes.map { $0 < 0 ? $0 + rank : $0 }
        var inverse = [Int](repeating: 0, count: axes.count)
        for (i, a) in axes.enumerated() { inverse[a] = i }
        return Variable.record(value.permuted(axes), op: "permute", inputs: [self]) { g in [g.permuted(inverse)] }
    }
    /// Swaps the last two axes.
    public func transposed() -> Variable {
        Variable.record(value.transposed(), op: "transpose", inputs: [self]) { g in [g.transposed()] }
    }
    public func sliced(axis: Int, range: Range<Int>) -> Variable {
        let axis = axis < 0 ? axis + rank : axis
        let n = shape[axis]
        return Variable.record(value.sliced(axis: axis, range: range), op: "slice", inputs: [self]) { g in
            var pads = [(before: Int, after: Int)](repeating: (0, 0), count: axis + 1)
            pads[axis] = (range.lowerBound, n - range.upperBound)
            return [g.padded(pads)]
        }
    }
    public func split(axis: Int, sizes: [Int]) -> [Variable] {
        var start = 0
        return sizes.map { size in defer { start += size }; return sliced(axis: axis, range: start..<start + size) }
    }
    public func indexSelect(axis: Int, indices: [Int]) -> Variable {
        let shape = self.shape
        return Variable.record(value.indexSelect(axis: axis, indices: indices), op: "indexSelect", inputs: [self]) { g in
            [g.indexAdd(axis: axis, indices: indices, into: shape)]
        }
    }
    /// `torch.gather`: result has the shape of `indices` (Float-valued integer indices).
    public func gather(axis: Int, indices: Tensor) -> Variable {
        let shape = self.shape
        return Variable.record(value.gather(axis: axis, indices: indices), op: "gather", inputs: [self]) { g in
            [g.scatterAdd(axis: axis, indices: indices, into: shape)]
        }
    }
    /// `torch.scatter_add` into zeros of `shape`: out[… indices[i] …] += self[i].
    public func scatterAdd(axis: Int, indices: Tensor, into shape: [Int]) -> Variable {
        Variable.record(value.scatterAdd(axis: axis, indices: indices, into: shape), op: "scatterAdd", inputs: [self]) { g in
            [g.gather(axis: axis, indices: indices)]
        }
    }
    /// Broadcasts (materialised) to `target`.
    public func expanded(to target: [Int]) -> Variable {
        let shape = self.shape
        return Variable.record(value.expanded(to: target), op: "expand", inputs: [self]) { g in [g.sumToShape(shape)] }
    }
    public func padded(_ pads: [(before: Int, after: Int)], value fill: Float = 0) -> Variable {
        Variable.record(value.padded(pads, value: fill), op: "pad", inputs: [self]) { g in [g.unpadded(pads)] }
    }
}

public func concat(_ xs: [Variable], axis: Int) -> Variable {
    precondition(!xs.isEmpty, "concat of no variables")
    let axis = axis < 0 ? axis + xs[0].rank : axis
    let sizes = xs.map { $0.shape[axis] }
    return Variable.record(concat(xs.map(\.value), axis: axis), op: "concat", inputs: xs) { g in g.split(axis: axis, sizes: sizes) }
}

public func stack(_ xs: [Variable], axis: Int) -> Variable {
    precondition(!xs.isEmpty, "stack of no variables")
    let axis = axis < 0 ? axis + xs[0].rank + 1 : axis
    return concat(xs.map { x in var s = x.shape; s.insert(1, at: axis); return x.reshaped(s) }, axis: axis)
}
