import XCTest
import Foundation
import Tensor
import TestSupport

final class SoftmaxRandomTests: XCTestCase {
    func testSoftmaxAndLogSoftmaxOnEveryAxis() {
        let x = randomTensor([3, 4, 5], seed: 1, low: -4, high: 4)
        for axis in [0, 1, 2, -1] {
            let a = axis < 0 ? axis + 3 : axis
            let e = x.exp(), z = naiveReduce(e, axes: [a], +)
            assertClose(x.softmax(axis: axis), e / z, atol: 1e-6, "softmax axis \(axis)")
            assertClose(x.logSoftmax(axis: axis), x - z.log(), atol: 1e-5, "logSoftmax axis \(axis)")
        }
    }

    func testLayerNormalizedAgainstFloat64() {
        let x = randomTensor([5, 37], seed: 2, low: -2, high: 3)
        let (y, inv) = x.layerNormalized(eps: 1e-5)
        for r in 0..<5 {
            let row = (0..<37).map { Double(element(x, [r, $0])) }
            let mean = row.reduce(0, +) / 37
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 37
            let s = 1 / (variance + 1e-5).squareRoot()
            XCTAssertEqual(Double(inv.scalars[r]), s, accuracy: 1e-4 * s)
            for j in 0..<37 { XCTAssertEqual(Double(element(y, [r, j])), (row[j] - mean) * s, accuracy: 1e-5) }
        }
    }

    func testRandomGeneratorIsReproducibleAndResumable() {
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42)
        XCTAssertEqual((0..<10).map { _ in a.next() }, (0..<10).map { _ in b.next() })
        let saved = a.state
        let first = Tensor.randomNormal(shape: [100], using: &a)
        var resumed = RandomGenerator(state: saved)
        XCTAssertEqual(Tensor.randomNormal(shape: [100], using: &resumed).scalars, first.scalars)
        XCTAssertNotEqual(RandomGenerator(seed: 43).state, RandomGenerator(seed: 42).state)
    }

    func testNormalAndUniformMoments() {
        var rng = RandomGenerator(seed: 1)
        let n = Tensor.randomNormal(shape: [100_000], mean: 2, std: 3, using: &rng)
        XCTAssertEqual(n.mean().scalar, 2, accuracy: 0.05)
        XCTAssertEqual(((n - 2).squared().mean().scalar).squareRoot(), 3, accuracy: 0.05)
        let u = Tensor.randomUniform(shape: [100_000], low: -1, high: 3, using: &rng)
        XCTAssertEqual(u.mean().scalar, 1, accuracy: 0.03)
        XCTAssertGreaterThanOrEqual(u.max(axes: [0]).scalar, 2.99)
        XCTAssertLessThan(u.max(axes: [0]).scalar, 3)
    }
}

final class LayerNormKernelTests: XCTestCase {
    /// The fused kernels against the unfused chain, on a map large enough to split over workers.
    func testFusedLayerNormMatchesUnfusedChain() {
        for shape in [[3, 5], [700, 128], [40, 49, 64]] {
            let d = shape.last!
            let x = randomTensor(shape, seed: 1), w = randomTensor([d], seed: 2, low: 0.5, high: 1.5), b = randomTensor([d], seed: 3)
            let g = randomTensor(shape, seed: 4)
            let (out, normalized, inverseStd) = x.layerNorm(weight: w, bias: b, eps: 1e-5)
            let (reference, referenceInverseStd) = x.layerNormalized(eps: 1e-5)
            assertClose(normalized, reference, atol: 1e-5, "x̂ \(shape)")
            assertClose(inverseStd, referenceInverseStd, atol: 1e-5, "1/σ \(shape)")
            assertClose(out, reference * w + b, atol: 1e-5, "y \(shape)")
            let grads = g.layerNormGradients(normalized: normalized, inverseStd: inverseStd, weight: w, needInput: true, needParameters: true)
            assertClose(grads.input!, reference.layerNormBackward(normalizedGrad: g * w, inverseStd: referenceInverseStd), atol: 1e-4, "dx \(shape)")
            assertClose(grads.weight!, (g * reference).sumToShape([d]), atol: 1e-3, rtol: 1e-4, "dw \(shape)")
            assertClose(grads.bias!, g.sumToShape([d]), atol: 1e-3, rtol: 1e-4, "db \(shape)")
            let inputOnly = g.layerNormGradients(normalized: normalized, inverseStd: inverseStd, weight: w, needInput: true, needParameters: false)
            XCTAssertNil(inputOnly.weight)
            assertClose(inputOnly.input!, grads.input!, atol: 0, "dx alone \(shape)")
            // With the ReLU folded in: the output is clamped and the gradient gated by it.
            let (clamped, _, _) = x.layerNorm(weight: w, bias: b, eps: 1e-5, relu: true)
            assertClose(clamped, out.relu(), atol: 0, "relu(y) \(shape)")
            let gated = g.layerNormGradients(normalized: normalized, inverseStd: inverseStd, weight: w, reluOutput: clamped,
                                             needInput: true, needParameters: true)
            let gatedReference = out.reluBackward(g).layerNormGradients(normalized: normalized, inverseStd: inverseStd, weight: w,
                                                                        needInput: true, needParameters: true)
            assertClose(gated.input!, gatedReference.input!, atol: 1e-6, "relu dx \(shape)")
            assertClose(gated.weight!, gatedReference.weight!, atol: 1e-5, "relu dw \(shape)")
            assertClose(gated.bias!, gatedReference.bias!, atol: 1e-5, "relu db \(shape)")
        }
    }
}
