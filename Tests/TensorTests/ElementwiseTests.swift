import XCTest
import Foundation
import Tensor
import TestSupport

final class ElementwiseTests: XCTestCase {
    /// Same shape, scalar, trailing, leading, middle and two-sided broadcasting, odd sizes.
    static let shapePairs: [([Int], [Int])] = [
        ([3, 4], [3, 4]), ([3, 4], [4]), ([3, 4], [3, 1]), ([2, 1, 5], [3, 1]), ([], [2, 3]), ([1], [7]),
        ([5, 1, 3], [1, 4, 1]), ([2, 3, 4, 5], [3, 1, 5]), ([7, 9], []), ([1, 1], [1]), ([300, 257], [257]),
        ([64, 1, 130], [64, 33, 1]),
    ]

    func testBinaryOpsMatchNaiveBroadcasting() {
        let ops: [(String, (Tensor, Tensor) -> Tensor, (Float, Float) -> Float)] = [
            ("+", { $0 + $1 }, { $0 + $1 }), ("-", { $0 - $1 }, { $0 - $1 }), ("*", { $0 * $1 }, { $0 * $1 }),
            ("/", { $0 / $1 }, { $0 / $1 }), ("min", { minimum($0, $1) }, { Swift.min($0, $1) }),
            ("max", { maximum($0, $1) }, { Swift.max($0, $1) }), (">", { $0.greater($1) }, { $0 > $1 ? 1 : 0 }),
        ]
        for (i, (sa, sb)) in Self.shapePairs.enumerated() {
            let a = randomTensor(sa, seed: UInt64(i)), b = randomTensor(sb, seed: UInt64(100 + i), low: 0.5, high: 2)
            for (name, fast, scalar) in ops {
                assertClose(fast(a, b), naiveBinary(a, b, scalar), atol: 1e-6, rtol: 1e-6, "\(name) \(sa) \(sb)")
                assertClose(fast(b, a), naiveBinary(b, a, scalar), atol: 1e-6, rtol: 1e-6, "\(name) \(sb) \(sa)")
            }
        }
    }

    func testScalarOperatorsAndUnaryMath() {
        let x = randomTensor([3, 5, 7], seed: 3, low: 0.1, high: 3)
        let xs = x.scalars
        let cases: [(String, Tensor, (Float) -> Float)] = [
            ("x+2", x + 2, { $0 + 2 }), ("2-x", 2 - x, { 2 - $0 }), ("x*3", x * 3, { $0 * 3 }), ("1/x", 1 / x, { 1 / $0 }),
            ("exp", x.exp(), { Foundation.exp($0) }), ("log", x.log(), { Foundation.log($0) }),
            ("sqrt", x.sqrt(), { $0.squareRoot() }), ("pow 1.7", x.pow(1.7), { Foundation.pow($0, 1.7) }),
            ("pow 2", x.pow(2), { $0 * $0 }), ("abs", (x - 1.5).abs(), { Swift.abs($0 - 1.5) }),
            ("clamp", x.clamped(min: 0.5, max: 2), { Swift.min(Swift.max($0, 0.5), 2) }), ("neg", -x, { -$0 }),
            ("relu", (x - 1).relu(), { Swift.max($0 - 1, 0) }),
            ("gelu", (x - 1.5).gelu(), { let v = Double($0 - 1.5); return Float(0.5 * v * (1 + erf(v / 2.0.squareRoot()))) }),
            ("sigmoid", (x - 1).sigmoid(), { Float(1 / (1 + Foundation.exp(-Double($0 - 1)))) }),
            ("silu", (x - 1).silu(), { let v = Double($0 - 1); return Float(v / (1 + Foundation.exp(-v))) }),
            ("tanh", (x - 1).tanh(), { Float(Foundation.tanh(Double($0 - 1))) }),
            ("softplus", (x * 20 - 30).softplus(), { Float(Foundation.log(1 + Foundation.exp(Double($0 * 20 - 30)))) }),
        ]
        for (name, fast, reference) in cases {
            assertClose(fast.scalars, xs.map(reference), atol: 1e-6, rtol: 1e-5, name)
        }
    }

    func testSelectBroadcastsMaskAndOperands() {
        let mask = Tensor(shape: [2, 1], scalars: [1, 0])
        let a = randomTensor([2, 3], seed: 1), b = Tensor(-5)
        let out = select(mask, a, b)
        XCTAssertEqual(out.shape, [2, 3])
        XCTAssertEqual(out.scalars, Array(a.scalars[0..<3]) + [-5, -5, -5])
    }

    func testInPlaceAddAndCopyOnWrite() {
        let a = randomTensor([1000], seed: 2)
        var b = a
        b.add(a, scaledBy: 2)
        assertClose(b, a * 3)
        assertClose(a, randomTensor([1000], seed: 2))
    }
}
