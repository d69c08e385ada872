// Backward of every element-wise op and activation against central finite differences,
// over several shapes including broadcasting in both directions and odd sizes.
import XCTest
import Tensor
import Autodiff
import TestSupport

/// Moves values at least `gap` away from `point`, so non-smooth ops are tested off their kinks.
func awayFrom(_ t: Tensor, _ point: Float = 0, gap: Float = 0.05) -> Tensor {
    t.map { $0 >= point ? $0 + gap : $0 - gap }
}

final class ElementwiseGradientTests: XCTestCase {
    static let shapePairs: [([Int], [Int])] = [
        ([3, 4], [3, 4]), ([3, 4], [4]), ([3, 4], [3, 1]), ([2, 1, 5], [3, 1]), ([], [2, 3]), ([5, 1, 3], [1, 4, 1]),
        ([7], [1]),
    ]

    func testBinaryArithmetic() {
        for (i, (sa, sb)) in Self.shapePairs.enumerated() {
            let a = randomTensor(sa, seed: UInt64(i)), b = randomTensor(sb, seed: UInt64(20 + i), low: 0.5, high: 2)
            checkGradients([a, b], "add \(sa) \(sb)") { $0[0] + $0[1] }
            checkGradients([a, b], "sub \(sa) \(sb)") { $0[0] - $0[1] }
            checkGradients([b, a], "sub \(sb) \(sa)") { $0[0] - $0[1] }
            checkGradients([a, b], "mul \(sa) \(sb)") { $0[0] * $0[1] }
            checkGradients([a, b], "div \(sa) \(sb)") { $0[0] / $0[1] }
            checkGradients([b, a], "div \(sb) \(sa)") { $0[1] / $0[0] }
        }
    }

    func testMinimumMaximumSelect() {
        for (i, (sa, sb)) in Self.shapePairs.enumerated() {
            let a = randomTensor(sa, seed: UInt64(i)), b = randomTensor(sb, seed: UInt64(40 + i))
            // Values on two interleaved 0.1 grids: a and b are never within 0.05 of each other.
            let aApart = a.map { ($0 * 10).rounded() / 10 + 0.05 }, bApart = b.map { ($0 * 10).rounded() / 10 }
            checkGradients([aApart, bApart], "minimum \(sa) \(sb)") { minimum($0[0], $0[1]) }
            checkGradients([aApart, bApart], "maximum \(sa) \(sb)") { maximum($0[0], $0[1]) }
            let mask = randomTensor(Broadcast.shape(sa, sb), seed: 9).greater(0)
            checkGradients([a, b], "select \(sa) \(sb)") { select(mask, $0[0], $0[1]) }
        }
    }

    func testScalarOperators() {
        let x = randomTensor([3, 5], seed: 1, low: 0.5, high: 2)
        checkGradients([x], "x+s") { $0[0] + 2 }
        checkGradients([x], "s+x") { 2 + $0[0] }
        checkGradients([x], "x-s") { $0[0] - 2 }
        checkGradients([x], "s-x") { 2 - $0[0] }
        checkGradients([x], "x*s") { $0[0] * 3 }
        checkGradients([x], "s*x") { 3 * $0[0] }
        checkGradients([x], "x/s") { $0[0] / 3 }
        checkGradients([x], "s/x") { 3 / $0[0] }
        checkGradients([x], "neg") { -$0[0] }
    }

    func testUnaryMathAndActivations() {
        for (i, shape) in [[7], [3, 5], [2, 3, 4], [1, 1, 9]].enumerated() {
            let positive = randomTensor(shape, seed: UInt64(i), low: 0.3, high: 2)
            let signed = awayFrom(randomTensor(shape, seed: UInt64(10 + i), low: -2, high: 2))
            checkGradients([positive], "exp") { $0[0].exp() }
            checkGradients([positive], "log") { $0[0].log() }
            checkGradients([positive], "sqrt") { $0[0].sqrt() }
            checkGradients([positive], "pow 1.5") { $0[0].pow(1.5) }
            checkGradients([signed], "pow 2") { $0[0].pow(2) }
            checkGradients([signed], "pow 3") { $0[0].pow(3) }
            checkGradients([signed], "abs") { $0[0].abs() }
            checkGradients([awayFrom(awayFrom(signed, -1), 1)], "clamp") { $0[0].clamped(min: -1, max: 1) }
            checkGradients([signed], "relu") { $0[0].relu() }
            checkGradients([signed], "gelu") { $0[0].gelu() }
            checkGradients([signed], "silu") { $0[0].silu() }
            checkGradients([signed], "sigmoid") { $0[0].sigmoid() }
            checkGradients([signed], "tanh") { $0[0].tanh() }
            checkGradients([signed * 5], "softplus") { $0[0].softplus() }
        }
    }
}

final class GradientCheckerSelfTests: XCTestCase {
    /// The checker must notice a wrong gradient rule (here: twice the true gradient).
    func testCheckerDetectsAWrongPullback() {
        let x = randomTensor([4], seed: 1)
        let result = checkGradients([x], failOnMismatch: false) { v in
            Variable.record(v[0].value * 3, op: "wrongTriple", inputs: [v[0]]) { g in [g * 6] }
        }
        XCTAssertGreaterThan(result.maxAbsoluteError, 0.5)
        let good = checkGradients([x], failOnMismatch: false) { v in v[0] * 3 }
        XCTAssertLessThan(good.maxAbsoluteError, 1e-2)
    }
}
