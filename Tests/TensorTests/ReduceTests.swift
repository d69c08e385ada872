import XCTest
import Foundation
import Tensor
import TestSupport

final class ReduceTests: XCTestCase {
    static let cases: [([Int], [Int])] = [
        ([2, 3, 4], [0]), ([2, 3, 4], [1]), ([2, 3, 4], [2]), ([2, 3, 4], [0, 2]), ([2, 3, 4], [-1, -2]),
        ([2, 3, 4], [0, 1, 2]), ([5, 7], [0]), ([5, 7], [1]), ([3, 1, 4, 2], [1, 3]), ([1, 33], [1]),
        ([129, 17], [0]), ([4, 1000], [1]), ([2, 5, 3, 6], [0, 1]),
    ]

    func testSumMeanMaxLogSumExpAgainstNaive() {
        for (i, (shape, axes)) in Self.cases.enumerated() {
            let x = randomTensor(shape, seed: UInt64(i), low: -3, high: 3)
            let norm = x.normalizedAxes(axes)
            let n = Float(norm.map { shape[$0] }.reduce(1, *))
            let sum = naiveReduce(x, axes: norm, +)
            assertClose(x.sum(axes: axes, keepDims: true), sum, atol: 1e-5, "sum \(shape) \(axes)")
            assertClose(x.mean(axes: axes, keepDims: true), sum / n, atol: 1e-5, "mean \(shape) \(axes)")
            assertClose(x.max(axes: axes, keepDims: true), naiveReduce(x, axes: norm, { Swift.max($0, $1) }), "max \(shape) \(axes)")
            let lse = naiveReduce(x.exp(), axes: norm, +).log()
            assertClose(x.logSumExp(axes: axes, keepDims: true), lse, atol: 1e-5, "logsumexp \(shape) \(axes)")
            let dropped = Tensor.droppingAxes(norm, from: shape)
            XCTAssertEqual(x.sum(axes: axes).shape, dropped)
        }
    }

    func testFullSumAndMean() {
        let x = randomTensor([1001], seed: 5)
        let reference = x.scalars.reduce(0.0) { $0 + Double($1) }
        XCTAssertEqual(Double(x.sum().scalar), reference, accuracy: 1e-4)
        XCTAssertEqual(Double(x.mean().scalar), reference / 1001, accuracy: 1e-6)
        XCTAssertEqual(x.sum().shape, [])
    }

    func testArgmaxFirstOnTies() {
        let x = Tensor(shape: [2, 3], scalars: [1, 5, 5, 7, 2, 7])
        XCTAssertEqual(x.argmax(axis: 1).scalars, [1, 0])
        XCTAssertEqual(x.argmax(axis: 0).scalars, [1, 0, 1])
    }

    func testLogSumExpIsStableForLargeValues() {
        let x = Tensor(shape: [2], scalars: [1000, 1000])
        XCTAssertEqual(x.logSumExp(axes: [0]).scalar, 1000 + Foundation.log(2), accuracy: 1e-3)
    }
}
