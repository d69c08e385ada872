// Naive, index-by-index reference kernels the fast kernels are tested against.
import Tensor

func unravel(_ flat: Int, _ shape: [Int]) -> [Int] {
    var index = [Int](repeating: 0, count: shape.count), rest = flat
    for a in stride(from: shape.count - 1, through: 0, by: -1) { index[a] = rest % shape[a]; rest /= shape[a] }
    return index
}

func ravel(_ index: [Int], _ shape: [Int]) -> Int {
    var flat = 0
    for a in 0..<shape.count { flat = flat * shape[a] + index[a] }
    return flat
}

/// Broadcast read: the element of `t` that output index `index` (of rank ≥ t.rank) maps to.
func broadcastRead(_ t: Tensor, _ index: [Int]) -> Float {
    let offset = index.count - t.rank
    let own = (0..<t.rank).map { t.shape[$0] == 1 ? 0 : index[$0 + offset] }
    return t[flat: ravel(own, t.shape)]
}

func naiveBinary(_ a: Tensor, _ b: Tensor, _ op: (Float, Float) -> Float) -> Tensor {
    let shape = Broadcast.shape(a.shape, b.shape)
    let n = shape.reduce(1, *)
    return Tensor(shape: shape, scalars: (0..<n).map { i in
        let index = unravel(i, shape)
        return op(broadcastRead(a, index), broadcastRead(b, index))
    })
}

/// Reduces `axes` (kept as size 1) with `combine`, starting from the first element met.
func naiveReduce(_ t: Tensor, axes: [Int], _ combine: (Double, Double) -> Double) -> Tensor {
    var outShape = t.shape
    for a in axes { outShape[a] = 1 }
    var acc = [Double?](repeating: nil, count: outShape.reduce(1, *))
    let x = t.scalars
    for i in 0..<t.count {
        var index = unravel(i, t.shape)
        for a in axes { index[a] = 0 }
        let o = ravel(index, outShape)
        acc[o] = acc[o].map { combine($0, Double(x[i])) } ?? Double(x[i])
    }
    return Tensor(shape: outShape, scalars: acc.map { Float($0 ?? 0) })
}

func naivePermute(_ t: Tensor, _ axes: [Int]) -> Tensor {
    let outShape = axes.map { t.shape[$0] }
    let x = t.scalars
    return Tensor(shape: outShape, scalars: (0..<t.count).map { i in
        let outIndex = unravel(i, outShape)
        var inIndex = [Int](repeating: 0, count: axes.count)
        for (o, a) in axes.enumerated() { inIndex[a] = outIndex[o] }
        return x[ravel(inIndex, t.shape)]
    })
}

/// Generic "output index → input index" gather used for slice/pad/concat/indexSelect references.
func naiveMap(_ outShape: [Int], _ value: ([Int]) -> Float) -> Tensor {
    Tensor(shape: outShape, scalars: (0..<outShape.reduce(1, *)).map { value(unravel($0, outShape)) })
}

func element(_ t: Tensor, _ index: [Int]) -> Float { t[flat: ravel(index, t.shape)] }
