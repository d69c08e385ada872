// Numpy-style broadcasting: shape rules, the strided-copy kernel every layout op is built on,
// the generic binary kernel (fast paths for same shape, scalar, and trailing/leading-axis
// broadcasting) and `sumToShape`, the adjoint of broadcasting used by every gradient rule.

public enum Broadcast {
    /// Output shape of broadcasting `a` with `b` (numpy rules: align trailing axes, 1 stretches).
    public static func shape(_ a: [Int], _ b: [Int]) -> [Int] {
        if a == b { return a }
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            precondition(da == db || da == 1 || db == 1, "shapes \(a) and \(b) do not broadcast")
            out[i] = da == 1 ? db : da
        }
        return out
    }

    /// Element strides of a contiguous tensor of `shape` read as `target` (0 on stretched axes).
    public static func strides(of shape: [Int], broadcastTo target: [Int]) -> [Int] {
        let offset = target.count - shape.count
        precondition(offset >= 0, "cannot broadcast \(shape) to \(target)")
        var strides = [Int](repeating: 0, count: target.count)
        var running = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            precondition(shape[i] == target[i + offset] || shape[i] == 1, "cannot broadcast \(shape) to \(target)")
            strides[i + offset] = shape[i] == 1 ? 0 : running
            running *= shape[i]
        }
        return strides
    }

    /// Merges adjacent axes that are contiguous for every stride set and drops size-1 axes,
    /// so that loops run over as few, as long, axes as possible.
    static func collapse(_ shape: [Int], _ strideSets: [[Int]]) -> (shape: [Int], strides: [[Int]]) {
        var dims: [Int] = []
        var sets = [[Int]](repeating: [], count: strideSets.count)
        for axis in 0..<shape.count where shape[axis] != 1 {
            if let last = dims.last,
               (0..<strideSets.count).allSatisfy({ sets[$0].last! == strideSets[$0][axis] * shape[axis] }) {
                dims[dims.count - 1] = last * shape[axis]
                for s in 0..<sets.count { sets[s][sets[s].count - 1] = strideSets[s][axis] }
            } else {
                dims.append(shape[axis])
                for s in 0..<sets.count { sets[s].append(strideSets[s][axis]) }
            }
        }
        if dims.isEmpty { return ([1], strideSets.map { _ in [1] }) }
        return (dims, sets)
    }
}

/// Copies `shape` elements from `source` (element strides `sourceStrides`) into `destination`
/// (element strides `destinationStrides`). Used for permute, slice, concat, pad and expand.
public func stridedCopy(shape: [Int], from source: UnsafePointer<Float>, strides sourceStrides: [Int],
                        to destination: UnsafeMutablePointer<Float>, strides destinationStrides: [Int]) {
    if shape.contains(0) { return }
    let (dims, sets) = Broadcast.collapse(shape, [sourceStrides, destinationStrides])
    let inner = dims[dims.count - 1]
    let si = sets[0][dims.count - 1], di = sets[1][dims.count - 1]
    let outerDims = Array(dims.dropLast()), outerSource = Array(sets[0].dropLast()), outerDest = Array(sets[1].dropLast())
    let rows = outerDims.reduce(1, *)
    Parallel.forEachChunk(rows, costPerItem: max(inner / 4, 1)) { range in
        var index = [Int](repeating: 0, count: outerDims.count)
        var rest = range.lowerBound
        var so = 0, dOff = 0
        for axis in stride(from: outerDims.count - 1, through: 0, by: -1) {
            index[axis] = rest % outerDims[axis]; rest /= outerDims[axis]
            so += index[axis] * outerSource[axis]; dOff += index[axis] * outerDest[axis]
        }
        for _ in range {
            let s = source + so, d = destination + dOff
            if si == 1 && di == 1 {
                d.update(from: s, count: inner)
            } else if si == 0 {
                let v = s[0]
                for j in 0..<inner { d[j * di] = v }
            } else {
                for j in 0..<inner { d[j * di] = s[j * si] }
            }
            var axis = outerDims.count - 1
            while axis >= 0 {
                index[axis] += 1; so += outerSource[axis]; dOff += outerDest[axis]
                if index[axis] < outerDims[axis] { break }
                so -= outerSource[axis] * outerDims[axis]; dOff -= outerDest[axis] * outerDims[axis]
                index[axis] = 0; axis -= 1
            }
        }
    }
}

extension Tensor {
    /// Broadcasting binary map. The operation is a type, not a closure: a closure captured by the
    /// parallel chunk body was called per element (perf: 40 % of an add in the closure, scalar, one
    /// thread's worth), while a generic parameter specialises into each loop so the loops vectorise.
    @inline(__always)
    static func binary<Op: ElementwiseBinaryOperation>(_ a: Tensor, _ b: Tensor, _: Op.Type) -> Tensor {
        if a.shape == b.shape { return a.zipElements(b, Op.self) }
        let outShape = Broadcast.shape(a.shape, b.shape)
        let n = outShape.reduce(1, *)
        if b.count == 1 && a.count == n {
            let s = b.storage.pointer[0]
            return Tensor(shape: outShape) { out in
                a.withUnsafePointer { pa in
                    Parallel.forEachChunk(n, costPerItem: 1) { r in for i in r { out[i] = Op.apply(pa[i], s) } }
                }
            }
        }
        if a.count == 1 && b.count == n {
            let s = a.storage.pointer[0]
            return Tensor(shape: outShape) { out in
                b.withUnsafePointer { pb in
                    Parallel.forEachChunk(n, costPerItem: 1) { r in for i in r { out[i] = Op.apply(s, pb[i]) } }
                }
            }
        }
        let (dims, sets) = Broadcast.collapse(outShape, [Broadcast.strides(of: a.shape, broadcastTo: outShape),
                                                         Broadcast.strides(of: b.shape, broadcastTo: outShape)])
        let inner = dims[dims.count - 1]
        let sa = sets[0][dims.count - 1], sb = sets[1][dims.count - 1]
        let outer = Array(dims.dropLast()), oa = Array(sets[0].dropLast()), ob = Array(sets[1].dropLast())
        let rows = outer.reduce(1, *)
        return Tensor(shape: outShape) { out in
            a.withUnsafePointer { pa in b.withUnsafePointer { pb in
                Parallel.forEachChunk(rows, costPerItem: inner) { range in
                    for row in range {
                        var rest = row, offA = 0, offB = 0
                        for axis in stride(from: outer.count - 1, through: 0, by: -1) {
                            let i = rest % outer[axis]; rest /= outer[axis]
                            offA += i * oa[axis]; offB += i * ob[axis]
                        }
                        let x = pa + offA, y = pb + offB, o = out + row * inner
                        if sa == 1 && sb == 1 {
                            for j in 0..<inner { o[j] = Op.apply(x[j], y[j]) }
                        } else if sa == 1 {
                            let v = y[0]
                            for j in 0..<inner { o[j] = Op.apply(x[j], v) }
                        } else if sb == 1 {
                            let v = x[0]
                            for j in 0..<inner { o[j] = Op.apply(v, y[j]) }
                        } else {
                            let v = Op.apply(x[0], y[0])
                            for j in 0..<inner { o[j] = v }
                        }
                    }
                }
            } }
        }
    }

    /// Element-wise unary map specialised for `op`'s type (vectorises; see `binary`).
    @inline(__always)
    func mapElements<Op: ElementwiseUnaryOperation>(_ op: Op, cost: Int = 1) -> Tensor {
        let n = count
        return Tensor(shape: shape) { out in
            withUnsafePointer { p in
                Parallel.forEachChunk(n, costPerItem: cost) { r in for i in r { out[i] = op.apply(p[i]) } }
            }
        }
    }

    /// out[i] = Op(self[i], other[i]) for same-count tensors (shape of self), specialised for `Op`.
    @inlinable @inline(__always)
    public func zipElements<Op: ElementwiseBinaryOperation>(_ other: Tensor, _: Op.Type) -> Tensor {
        precondition(other.count == count, "zipElements of \(shape) and \(other.shape)")
        let n = count
        return Tensor(shape: shape) { out in
            withUnsafePointer { pa in other.withUnsafePointer { pb in
                Parallel.forEachChunk(n, costPerItem: 1) { r in for i in r { out[i] = Op.apply(pa[i], pb[i]) } }
            } }
        }
    }

    /// Element-wise unary map with a closure: called per element (the closure reaches the parallel
    /// loop as a value), so hot operations use `mapElements` instead.
    @inlinable @inline(__always)
    public func map(cost: Int = 1, _ op: (Float) -> Float) -> Tensor {
        let n = count
        return Tensor(shape: shape) { out in
            withUnsafePointer { p in
                Parallel.forEachChunk(n, costPerItem: cost) { r in for i in r { out[i] = op(p[i]) } }
            }
        }
    }

    /// Sums over the axes that broadcasting stretched, so the result has `target` shape.
    /// This is the gradient of broadcasting `target` to `self.shape`.
    public func sumToShape(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        let offset = rank - target.count
        precondition(offset >= 0, "sumToShape: \(shape) cannot reduce to \(target)")
        var axes: [Int] = Array(0..<offset)
        for i in 0..<target.count where target[i] == 1 && shape[i + offset] != 1 { axes.append(i + offset) }
        return sum(axes: axes, keepDims: true).reshaped(target)
    }

    /// Materialises this tensor broadcast to `target` shape.
    public func expanded(to target: [Int]) -> Tensor {
        if shape == target { return self }
        let strides = Broadcast.strides(of: shape, broadcastTo: target)
        return Tensor(shape: target) { out in
            withUnsafePointer { p in
                stridedCopy(shape: target, from: p, strides: strides, to: out, strides: Tensor.contiguousStrides(target))
            }
        }
    }

    /// Row-major element strides of `shape`.
    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) { strides[i] = running; running *= shape[i] }
        return strides
    }
}
