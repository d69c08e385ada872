// Reductions along axes: sum, mean, max, argmax, logsumexp. Every reduction is reduced to the
// (outer, n, inner) view of one axis: contiguous rows (inner == 1) use SIMD accumulators,
// otherwise whole rows are accumulated at once so the inner loop stays unit-stride.

extension Tensor {
    /// Normalises possibly negative axes, sorted, without duplicates.
    public func normalizedAxes(_ axes: [Int]) -> [Int] {
        let normalized = axes.map { $0 < 0 ? $0 + rank : $0 }
        precondition(normalized.allSatisfy { $0 >= 0 && $0 < rank }, "axes \(axes) out of range for shape \(shape)")
        return Array(Set(normalized)).sorted()
    }

    /// (outer, n, inner) sizes around `axis`.
    public func axisView(_ axis: Int) -> (outer: Int, n: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    /// Sum of all elements (scalar tensor), accumulated in 8 lanes for accuracy and speed.
    public func sum() -> Tensor { Tensor(withUnsafePointer { Tensor.rowSum($0, count) }) }
    public func mean() -> Tensor { Tensor(withUnsafePointer { Tensor.rowSum($0, count) } / Float(Swift.max(count, 1))) }

    @inline(__always)
    static func rowSum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= n {
            acc += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var s = acc.sum()
        while i < n { s += p[i]; i += 1 }
        return s
    }

    /// Largest of n contiguous elements (−∞ when n = 0; NaNs are not propagated). Eight
    /// independent running maxima: the stdlib's generic SIMD `pointwiseMax` is not inlined.
    @inline(__always)
    static func rowMax(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var m0 = -Float.infinity, m1 = m0, m2 = m0, m3 = m0, m4 = m0, m5 = m0, m6 = m0, m7 = m0
        var i = 0
        while i + 8 <= n {
            let q = p + i
            m0 = q[0] > m0 ? q[0] : m0; m1 = q[1] > m1 ? q[1] : m1
            m2 = q[2] > m2 ? q[2] : m2; m3 = q[3] > m3 ? q[3] : m3
            m4 = q[4] > m4 ? q[4] : m4; m5 = q[5] > m5 ? q[5] : m5
            m6 = q[6] > m6 ? q[6] : m6; m7 = q[7] > m7 ? q[7] : m7
            i += 8
        }
        while i < n { m0 = p[i] > m0 ? p[i] : m0; i += 1 }
        let a = m0 > m1 ? m0 : m1, b = m2 > m3 ? m2 : m3, c = m4 > m5 ? m4 : m5, d = m6 > m7 ? m6 : m7
        let ab = a > b ? a : b, cd = c > d ? c : d
        return ab > cd ? ab : cd
    }

    /// Σ a[i]·b[i] over n contiguous elements (8 lanes).
    @inline(__always)
    static func rowDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= n {
            acc += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var s = acc.sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// Sum over `axes` (negative axes count from the end).
    public func sum(axes: [Int], keepDims: Bool = false) -> Tensor {
        reduce(axes: axes, keepDims: keepDims, reduceAxis: { $0.sumAxis($1) })
    }

    public func mean(axes: [Int], keepDims: Bool = false) -> Tensor {
        let axes = normalizedAxes(axes)
        let n = axes.map { shape[$0] }.reduce(1, *)
        return sum(axes: axes, keepDims: keepDims) * (1 / Float(Swift.max(n, 1)))
    }

    public func max(axes: [Int], keepDims: Bool = false) -> Tensor {
        reduce(axes: axes, keepDims: keepDims, reduceAxis: { $0.maxAxis($1) })
    }

    /// log Σ exp over `axes`, stabilised by the maximum.
    public func logSumExp(axes: [Int], keepDims: Bool = false) -> Tensor {
        let m = max(axes: axes, keepDims: true)
        let safe = m.map { $0.isFinite ? $0 : 0 }
        let s = (self - safe).exp().sum(axes: axes, keepDims: true).log() + safe
        return keepDims ? s : s.reshaped(Tensor.droppingAxes(normalizedAxes(axes), from: shape))
    }

    public static func droppingAxes(_ axes: [Int], from shape: [Int]) -> [Int] {
        shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
    }

    /// Applies a single-axis reduction to each axis; contiguous runs of axes are merged first.
    func reduce(axes: [Int], keepDims: Bool, reduceAxis: (Tensor, Int) -> Tensor) -> Tensor {
        let axes = normalizedAxes(axes)
        var keptShape = shape
        for a in axes { keptShape[a] = 1 }
        if axes.isEmpty { return self }
        // Merge runs of consecutive axes into one axis of the reshaped tensor.
        var runs: [[Int]] = []
        for a in axes { if let last = runs.last?.last, last == a - 1 { runs[runs.count - 1].append(a) } else { runs.append([a]) } }
        var mergedShape: [Int] = []
        var mergedAxes: [Int] = []
        var axis = 0
        while axis < rank {
            if let run = runs.first(where: { $0.first == axis }) {
                mergedAxes.append(mergedShape.count)
                mergedShape.append(run.map { shape[$0] }.reduce(1, *))
                axis += run.count
            } else { mergedShape.append(shape[axis]); axis += 1 }
        }
        var t = reshaped(mergedShape)
        for a in mergedAxes.reversed() { t = reduceAxis(t, a) }
        return keepDims ? t.reshaped(keptShape) : t.reshaped(Tensor.droppingAxes(axes, from: shape))
    }

    /// Sum over one axis, keeping it with size 1.
    func sumAxis(_ axis: Int) -> Tensor {
        let (outer, n, inner) = axisView(axis)
        var outShape = shape; outShape[axis] = 1
        return Tensor(shape: outShape) { out in
            withUnsafePointer { p in
                if inner == 1 {
                    Parallel.forEachChunk(outer, costPerItem: n) { r in
                        for o in r { out[o] = Tensor.rowSum(p + o * n, n) }
                    }
                } else {
                    Tensor.accumulateRows(p, out, outer: outer, n: n, inner: inner, Add.self)
                }
            }
        }
    }

    func maxAxis(_ axis: Int) -> Tensor {
        let (outer, n, inner) = axisView(axis)
        precondition(n > 0, "max over an empty axis of \(shape)")
        var outShape = shape; outShape[axis] = 1
        return Tensor(shape: outShape) { out in
            withUnsafePointer { p in
                if inner == 1 {
                    Parallel.forEachChunk(outer, costPerItem: n) { r in
                        for o in r { out[o] = Tensor.rowMax(p + o * n, n) }
                    }
                } else {
                    Tensor.accumulateRows(p, out, outer: outer, n: n, inner: inner, Maximum.self)
                }
            }
        }
    }

    /// out[o, k] = fold over j of p[o, j, k]; the inner loop runs along k (unit stride). The fold is a
    /// type so that the loop is specialised for it (see `binary`).
    @inline(__always)
    static func accumulateRows<Op: ElementwiseBinaryOperation>(_ p: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                                                               outer: Int, n: Int, inner: Int, _: Op.Type) {
        if n == 0 { out.initialize(repeating: 0, count: outer * inner); return }
        let splitInner = outer < Parallel.threadCount
        let items = splitInner ? inner : outer
        Parallel.forEachChunk(items, costPerItem: splitInner ? n : n * inner) { r in
            let outerRange = splitInner ? 0..<outer : r
            let innerRange = splitInner ? r : 0..<inner
            for o in outerRange {
                let dst = out + o * inner
                let src = p + o * n * inner
                for k in innerRange { dst[k] = src[k] }
                for j in 1..<n {
                    let row = src + j * inner
                    for k in innerRange { dst[k] = Op.apply(dst[k], row[k]) }
                }
            }
        }
    }

    /// Index of the largest element along `axis` (first on ties), as Float; the axis is removed.
    public func argmax(axis: Int) -> Tensor {
        let axis = axis < 0 ? axis + rank : axis
        let (outer, n, inner) = axisView(axis)
        precondition(n > 0, "argmax over an empty axis of \(shape)")
        var outShape = shape; outShape.remove(at: axis)
        return Tensor(shape: outShape) { out in
            withUnsafePointer { p in
                for o in 0..<outer {
                    for k in 0..<inner {
                        var best = p[o * n * inner + k], bestIndex = 0
                        for j in 1..<Swift.max(n, 1) where p[(o * n + j) * inner + k] > best {
                            best = p[(o * n + j) * inner + k]; bestIndex = j
                        }
                        out[o * inner + k] = Float(bestIndex)
                    }
                }
            }
        }
    }
}
