// Every loss term against a hand computation (spec §9.3–9.5), and the dynamic filter layout
// (spec §7.2) and mask head (spec §7.3) against a naive per-pixel evaluation.
import XCTest
import Foundation
import Tensor
import Autodiff
import Masks
@testable import Modeling

final class LossTests: XCTestCase {
    func variable(_ shape: [Int], _ values: [Float]) -> Variable { Variable(Tensor(shape: shape, scalars: values)) }

    func testFocalLossByHand() {
        let loss = SetPredictionLosses.focalSum(logits: variable([2, 1], [0, 2]), targets: Tensor(shape: [2, 1], scalars: [1, 0]))
        let p: Double = 1 / (1 + exp(-2))
        let expected = 0.25 * 0.25 * log(2.0) + 0.75 * p * p * log(1 + exp(2.0))
        XCTAssertEqual(Double(loss.value.scalar), expected, accuracy: 1e-5)
    }

    func testL1AndGIoUByHand() {
        let l1 = SetPredictionLosses.l1Sum(predicted: variable([1, 4], [10, 10, 20, 20]), targets: Tensor(shape: [1, 4], scalars: [12, 8, 20, 24]),
                                           scale: Tensor(shape: [1, 4], repeating: 100))
        XCTAssertEqual(l1.value.scalar, 0.08, accuracy: 1e-6)
        let giou = SetPredictionLosses.giouSum(predicted: variable([2, 4], [0, 0, 10, 10, 0, 0, 1, 1]),
                                               targets: Tensor(shape: [2, 4], scalars: [5, 5, 15, 15, 2, 0, 3, 1]))
        XCTAssertEqual(giou.value.scalar, (1 - (25.0 / 175 - 50.0 / 225)) + (1 + 1.0 / 3), accuracy: 1e-5)
    }

    func testGIoUGradientMatchesFiniteDifferences() {
        let values: [Float] = [1, 2, 11, 9, 4, 1, 7, 12]
        let targets = Tensor(shape: [2, 4], scalars: [0, 0, 10, 10, 3, 3, 9, 9])
        let x = Variable(Tensor(shape: [2, 4], scalars: values), requiresGrad: true)
        SetPredictionLosses.giouSum(predicted: x, targets: targets).backward()
        let analytic = x.grad!.scalars
        for i in 0..<8 {
            var plus = values, minus = values
            plus[i] += 1e-2; minus[i] -= 1e-2
            let f = { (v: [Float]) in SetPredictionLosses.giouSum(predicted: self.variable([2, 4], v), targets: targets).value.scalar }
            XCTAssertEqual(analytic[i], (f(plus) - f(minus)) / 2e-2, accuracy: 2e-3, "coordinate \(i)")
        }
    }

    func testDiceByHand() {
        let dice = DiceLoss.perInstance(logits: variable([1, 1, 2], [0, 30]), targets: Tensor(shape: [1, 1, 2], scalars: [1, 0]))
        XCTAssertEqual(dice.value.scalar, 1 - 2 * 0.5 / (0.25 + 1 + 1 + 1e-5), accuracy: 1e-5)
    }

    func testFilterLayoutWeightsThenBiases() {
        let theta = (0..<153).map { Float($0) }
        let (weights, biases) = DynamicFilters().parse(variable([1, 153], theta))
        XCTAssertEqual(weights.map(\.shape), [[1, 8, 8], [1, 8, 8], [1, 1, 8]])
        XCTAssertEqual(biases.map(\.shape), [[1, 8, 1], [1, 8, 1], [1, 1, 1]])
        let w1 = weights[0].value.scalars, w2 = weights[1].value.scalars
        for o in 0..<8 {
            for i in 0..<8 {
                XCTAssertEqual(w1[o * 8 + i], theta[8 * o + i])
                XCTAssertEqual(w2[o * 8 + i], theta[64 + 8 * o + i])
            }
        }
        XCTAssertEqual(weights[2].value.scalars, Array(theta[128..<136]))
        XCTAssertEqual(biases[0].value.scalars, Array(theta[136..<144]))
        XCTAssertEqual(biases[1].value.scalars, Array(theta[144..<152]))
        XCTAssertEqual(biases[2].value.scalars, [152])
    }

    func testDynamicMaskHeadMatchesPerPixelMLP() {
        var generator = RandomGenerator(seed: 4)
        let (h, w, r) = (3, 5, 4)
        for relative in [false, true] {
            let shape = DynamicFilterShape(relativeCoordinates: relative)
            let features = Tensor.randomNormal(shape: [8, h, w], using: &generator)
            let theta = Tensor.randomNormal(shape: [r, shape.parameterCount], std: 0.5, using: &generator)
            let boxes = Tensor(shape: [r, 4], scalars: (0..<r).flatMap { i in [Float(i), 1, Float(i) + 9, 7] })
            let logits = DynamicFilters(shape: shape).maskLogits(features: Variable(features), parameters: Variable(theta),
                                                                 boxes: boxes, stride: 4).value.scalars
            let f = features.scalars, t = theta.scalars, b = boxes.scalars, p = shape.parameterCount, c = shape.inputChannels
            for i in 0..<r {
                let row = Array(t[(i * p)..<((i + 1) * p)])
                let biasStart = 8 * c + 64 + 8
                for y in 0..<h {
                    for x in 0..<w {
                        var input = (0..<8).map { f[($0 * h + y) * w + x] }
                        if relative {
                            input.append((Float(x * 4 + 2) - (b[i * 4] + b[i * 4 + 2]) / 2) / 128)
                            input.append((Float(y * 4 + 2) - (b[i * 4 + 1] + b[i * 4 + 3]) / 2) / 128)
                        }
                        let h1 = (0..<8).map { o in max(0, (0..<c).reduce(row[biasStart + o]) { $0 + row[c * o + $1] * input[$1] }) }
                        let h2 = (0..<8).map { o in max(0, (0..<8).reduce(row[biasStart + 8 + o]) { $0 + row[8 * c + 8 * o + $1] * h1[$1] }) }
                        let m = (0..<8).reduce(row[biasStart + 16]) { $0 + row[8 * c + 64 + $1] * h2[$1] }
                        XCTAssertEqual(logits[(i * h + y) * w + x], m, accuracy: 1e-4, "instance \(i) pixel (\(x), \(y)) relative=\(relative)")
                    }
                }
            }
        }
    }
}
