// Layout ops on `Tensor`: permute/transpose, slice, concat, stack, split, pad. All are one
// `stridedCopy` each (Broadcast.swift), which merges contiguous axes and copies whole rows.

extension Tensor {
    /// Axes reordered: result axis i is input axis `axes[i]` (materialised copy).
    public func permuted(_ axes: [Int]) -> Tensor {
        let axes = axes.map { $0 < 0 ? $0 + rank : $0 }
        precondition(axes.sorted() == Array(0..<rank), "permutation \(axes) invalid for shape \(shape)")
        if axes == Array(0..<rank) { return self }
        let inStrides = Tensor.contiguousStrides(shape)
        let outShape = axes.map { shape[$0] }
        if rank >= 2, axes[..<(rank - 2)] == ArraySlice(0..<(rank - 2)), shape[rank - 1] > 1, shape[rank - 2] > 1 {
            return transposedLastTwo()
        }
        return Tensor(shape: outShape) { out in
            withUnsafePointer { p in
                stridedCopy(shape: outShape, from: p, strides: axes.map { inStrides[$0] },
                            to: out, strides: Tensor.contiguousStrides(outShape))
            }
        }
    }

    /// Swaps the last two axes.
    public func transposed() -> Tensor {
        precondition(rank >= 2, "transposed() needs rank ≥ 2, got \(shape)")
        var axes = Array(0..<rank); axes.swapAt(rank - 1, rank - 2)
        return permuted(axes)
    }

    /// Cache-blocked batched transpose of the last two axes.
    func transposedLastTwo() -> Tensor {
        let rows = shape[rank - 2], cols = shape[rank - 1], batch = count / Swift.max(rows * cols, 1)
        var outShape = shape; outShape.swapAt(rank - 1, rank - 2)
        return Tensor(shape: outShape) { out in
            withUnsafePointer { p in
                Parallel.forEachChunk(batch, costPerItem: rows * cols) { r in
                    for b in r {
                        let src = p + b * rows * cols, dst = out + b * rows * cols
                        let block = 32
                        for i0 in stride(from: 0, to: rows, by: block) {
                            for j0 in stride(from: 0, to: cols, by: block) {
                                for i in i0..<Swift.min(i0 + block, rows) {
                                    for j in j0..<Swift.min(j0 + block, cols) { dst[j * rows + i] = src[i * cols + j] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Elements `range` along `axis`.
    public func sliced(axis: Int, range: Range<Int>) -> Tensor {
        let axis = axis < 0 ? axis + rank : axis
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[axis], "slice \(range) out of \(shape) on axis \(axis)")
        let (outer, n, inner) = axisView(axis)
        var outShape = shape; outShape[axis] = range.count
        let length = range.count * inner
        return Tensor(shape: outShape) { out in
            withUnsafePointer { p in
                Parallel.forEachChunk(outer, costPerItem: length) { r in
                    for o in r { (out + o * length).update(from: p + (o * n + range.lowerBound) * inner, count: length) }
                }
            }
        }
    }

    /// Splits along `axis` into pieces of `sizes` (which must sum to the axis length).
    public func split(axis: Int, sizes: [Int]) -> [Tensor] {
        let axis = axis < 0 ? axis + rank : axis
        precondition(sizes.reduce(0, +) == shape[axis], "split sizes \(sizes) do not sum to \(shape[axis])")
        var start = 0
        return sizes.map { size in defer { start += size }; return sliced(axis: axis, range: start..<start + size) }
    }

    /// Constant padding: `pads[i]` elements before/after axis i (fewer entries pad the leading axes only).
    public func padded(_ pads: [(before: Int, after: Int)], value: Float = 0) -> Tensor {
        precondition(pads.count <= rank, "\(pads.count) pads for shape \(shape)")
        let full = pads + Array(repeating: (before: 0, after: 0), count: rank - pads.count)
        let outShape = zip(shape, full).map { $0 + $1.before + $1.after }
        let outStrides = Tensor.contiguousStrides(outShape)
        let offset = zip(full, outStrides).map { $0.before * $1 }.reduce(0, +)
        return Tensor(shape: outShape) { out in
            out.initialize(repeating: value, count: outShape.reduce(1, *))
            withUnsafePointer { p in
                stridedCopy(shape: shape, from: p, strides: Tensor.contiguousStrides(shape), to: out + offset, strides: outStrides)
            }
        }
    }

    /// Inverse of `padded`: the interior window.
    public func unpadded(_ pads: [(before: Int, after: Int)]) -> Tensor {
        var t = self
        for (axis, pad) in pads.enumerated() where pad.before != 0 || pad.after != 0 {
            t = t.sliced(axis: axis, range: pad.before..<(t.shape[axis] - pad.after))
        }
        return t
    }
}

/// Joins tensors along `axis`; other dimensions must match.
public func concat(_ xs: [Tensor], axis: Int) -> Tensor {
    precondition(!xs.isEmpty, "concat of no tensors")
    let rank = xs[0].rank
    let axis = axis < 0 ? axis + rank : axis
    for x in xs {
        precondition(x.rank == rank && (0..<rank).allSatisfy { $0 == axis || x.shape[$0] == xs[0].shape[$0] },
                     "concat: shapes \(xs.map(\.shape)) differ off axis \(axis)")
    }
    let total = xs.map { $0.shape[axis] }.reduce(0, +)
    var outShape = xs[0].shape; outShape[axis] = total
    let outer = outShape[..<axis].reduce(1, *), inner = outShape[(axis + 1)...].reduce(1, *)
    let outRow = total * inner
    return Tensor(shape: outShape) { out in
        var start = 0
        for x in xs {
            let length = x.shape[axis] * inner
            let s = start
            x.withUnsafePointer { p in
                Parallel.forEachChunk(outer, costPerItem: length) { r in
                    for o in r { (out + o * outRow + s).update(from: p + o * length, count: length) }
                }
            }
            start += length
        }
    }
}

/// Stacks equal-shape tensors along a new axis `axis`.
public func stack(_ xs: [Tensor], axis: Int) -> Tensor {
    precondition(!xs.isEmpty, "stack of no tensors")
    let axis = axis < 0 ? axis + xs[0].rank + 1 : axis
    return concat(xs.map { x in
        precondition(x.shape == xs[0].shape, "stack: shapes \(xs.map(\.shape)) differ")
        var s = x.shape; s.insert(1, at: axis); return x.reshaped(s)
    }, axis: axis)
}
