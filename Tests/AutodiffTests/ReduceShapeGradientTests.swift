// Backward of reductions, softmax, layer norm and every layout/indexing op against finite differences.
import XCTest
import Tensor
import Autodiff
import TestSupport

/// Distinct values 0.1 apart in random order, so maxima are never tied within a finite-difference step.
func distinctValues(_ shape: [Int], seed: UInt64) -> Tensor {
    let n = shape.reduce(1, *)
    var rng = RandomGenerator(seed: seed)
    return Tensor(shape: shape, scalars: (0..<n).map { Float($0) * 0.1 - Float(n) * 0.05 }.shuffled(using: &rng))
}

final class ReduceShapeGradientTests: XCTestCase {
    func testReductions() {
        let cases: [([Int], [Int])] = [([2, 3, 4], [0]), ([2, 3, 4], [1]), ([2, 3, 4], [2]), ([2, 3, 4], [0, 2]),
                                       ([5, 7], [-1]), ([3, 1, 4, 2], [1, 3]), ([4, 5], [0, 1])]
        for (i, (shape, axes)) in cases.enumerated() {
            let x = randomTensor(shape, seed: UInt64(i))
            for keep in [false, true] {
                checkGradients([x], "sum \(shape) \(axes) \(keep)") { $0[0].sum(axes: axes, keepDims: keep) }
                checkGradients([x], "mean \(shape) \(axes)") { $0[0].mean(axes: axes, keepDims: keep) }
                checkGradients([distinctValues(shape, seed: UInt64(i))], "max \(shape) \(axes)") { $0[0].max(axes: axes, keepDims: keep) }
                checkGradients([x], "logSumExp \(shape) \(axes)") { $0[0].logSumExp(axes: axes, keepDims: keep) }
            }
            checkGradients([x], "sum all") { $0[0].sum() }
            checkGradients([x], "mean all") { $0[0].mean() }
        }
    }

    func testSoftmaxLogSoftmaxLayerNorm() {
        for (i, shape) in [[3, 5], [2, 3, 4], [1, 7], [4, 1]].enumerated() {
            let x = randomTensor(shape, seed: UInt64(i), low: -2, high: 2)
            for axis in [0, -1] {
                checkGradients([x], "softmax \(shape) \(axis)") { softmax($0[0], axis: axis) }
                checkGradients([x], "logSoftmax \(shape) \(axis)") { logSoftmax($0[0], axis: axis) }
            }
            let d = shape.last!
            if d > 1 {
                let w = randomTensor([d], seed: 3, low: 0.5, high: 1.5), b = randomTensor([d], seed: 4)
                checkGradients([x, w, b], "layerNorm \(shape)") { layerNorm($0[0], weight: $0[1], bias: $0[2]) }
                checkGradients([x, w, b], "layerNorm+relu \(shape)") { layerNorm($0[0], weight: $0[1], bias: $0[2], relu: true) }
            }
        }
    }

    func testLayoutOps() {
        let x = randomTensor([2, 3, 4], seed: 1)
        checkGradients([x], "reshape") { $0[0].reshaped([4, -1]) }
        checkGradients([x], "permute") { $0[0].permuted([2, 0, 1]) }
        checkGradients([x], "transpose") { $0[0].transposed() }
        for axis in 0..<3 {
            checkGradients([x], "slice \(axis)") { $0[0].sliced(axis: axis, range: 1..<x.shape[axis]) }
            checkGradients([x], "split \(axis)") { v in
                let parts = v[0].split(axis: axis, sizes: [1, x.shape[axis] - 1])
                return parts[1] * 2 + parts[0].sum()
            }
        }
        let y = randomTensor([2, 5, 4], seed: 2)
        checkGradients([x, y], "concat") { concat([$0[0], $0[1]], axis: 1) }
        checkGradients([x, x * 2], "stack") { stack([$0[0], $0[1]], axis: 2) }
        checkGradients([x], "indexSelect") { $0[0].indexSelect(axis: 1, indices: [2, 0, 2, 1]) }
        checkGradients([x], "expand") { $0[0].reshaped([2, 1, 3, 4]).expanded(to: [2, 5, 3, 4]) }
        checkGradients([x], "pad") { $0[0].padded([(1, 2), (0, 1)], value: 3) }
        let idx = Tensor(shape: [2, 4, 4], scalars: (0..<32).map { Float(($0 * 7) % 3) })
        checkGradients([x], "gather") { $0[0].gather(axis: 1, indices: idx) }
        let src = randomTensor([2, 4, 4], seed: 5)
        checkGradients([src], "scatterAdd") { $0[0].scatterAdd(axis: 1, indices: idx, into: [2, 3, 4]) }
    }

    func testMatMulAndLinear() {
        let cases: [([Int], [Int], Bool, Bool)] = [
            ([3, 5], [5, 4], false, false), ([5, 3], [5, 4], true, false), ([3, 5], [4, 5], false, true),
            ([5, 3], [4, 5], true, true), ([2, 3, 5], [2, 5, 4], false, false), ([2, 5, 3], [2, 4, 5], true, true),
            ([4, 3, 5], [5, 6], false, false), ([4, 3, 5], [6, 5], false, true), ([3, 5], [2, 5, 4], false, false),
            ([2, 5, 3], [5, 4], true, false),
        ]
        for (i, (sa, sb, ta, tb)) in cases.enumerated() {
            let a = randomTensor(sa, seed: UInt64(i)), b = randomTensor(sb, seed: UInt64(30 + i))
            checkGradients([a, b], "matmul \(sa) \(sb) \(ta) \(tb)") { matmul($0[0], $0[1], transposeA: ta, transposeB: tb) }
        }
        let x = randomTensor([2, 3, 5], seed: 1), w = randomTensor([4, 5], seed: 2), b = randomTensor([4], seed: 3)
        checkGradients([x, w, b], "linear") { linear($0[0], weight: $0[1], bias: $0[2]) }
        checkGradients([x, w], "linear no bias") { linear($0[0], weight: $0[1], bias: nil) }
        let reference = matmul(x, w, transposeB: true) + b
        assertClose(linear(Variable(x), weight: Variable(w), bias: Variable(b)).value, reference, atol: 1e-6)
    }
}
