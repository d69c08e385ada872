// Vision layers (Conv2d, BatchNorm2d, FrozenBatchNorm2d, GroupNorm) through the autodiff tape:
// layer outputs against the kernels, finite-difference checks of the differentiable ops, buffer
// updates, and a smoke test in which a small CNN learns a toy task.
import XCTest
import NN
import TestSupport

final class VisionLayerTests: XCTestCase {
    func testConv2dLayerNamesShapesAndInitialisation() {
        var random = RandomGenerator(seed: 1)
        let conv = Conv2d(inChannels: 4, outChannels: 6, kernelSize: 3, stride: 2, padding: 1, groups: 2, using: &random)
        XCTAssertEqual(conv.namedParameters().map(\.0), ["weight", "bias"])
        XCTAssertEqual(conv.weight.shape, [6, 2, 3, 3])
        let bound = 1 / Float(18).squareRoot()
        XCTAssertTrue(conv.weight.value.scalars.allSatisfy { abs($0) <= bound }, "default init within ±1/√fan_in")
        let x = randomTensor([2, 4, 9, 8], seed: 2)
        let y = conv(Variable(x))
        XCTAssertEqual(y.shape, [2, 6, 5, 4])
        assertClose(y.value, conv2d(x, weight: conv.weight.value, bias: conv.bias!.value, stride: 2, padding: 1, groups: 2))
        let plain = Conv2d(inChannels: 3, outChannels: 2, kernelSize: 1, bias: false, using: &random)
        XCTAssertEqual(plain.namedParameters().map(\.0), ["weight"])
        plain.resetC2Xavier(using: &random)
        XCTAssertTrue(plain.weight.value.scalars.allSatisfy { abs($0) <= 1.0 }, "c2-xavier bound √(3/3) = 1")
    }

    func testVisionOpsGradientsThroughTheTape() {
        let x = randomTensor([2, 4, 6, 6], seed: 3), w = randomTensor([6, 2, 3, 3], seed: 4), b = randomTensor([6], seed: 5)
        checkGradients([x, w, b], "conv2d grouped dilated") { v in
            conv2d(v[0], weight: v[1], bias: v[2], stride: 1, padding: 2, dilation: 2, groups: 2)
        }
        checkGradients([x], "maxPool → nearest → aligned ×2 → bilinear") { v in
            resizeBilinear(alignedBilinearUpsample(upsampleNearest(maxPool2d(v[0], kernel: 3, stride: 2, padding: 1), factor: 2), factor: 2),
                           height: 5, width: 7)
        }
        let gamma = randomTensor([4], seed: 6, low: 0.5, high: 1.5), beta = randomTensor([4], seed: 7)
        checkGradients([x, gamma, beta], eps: 1e-2, "groupNorm") { v in groupNorm(v[0], groups: 2, weight: v[1], bias: v[2]) }
        checkGradients([x, gamma, beta], eps: 1e-2, "batchNorm train") { v in
            var mean = Tensor(shape: [4]), variance = Tensor(shape: [4], repeating: 1)
            return batchNorm(v[0], weight: v[1], bias: v[2], runningMean: &mean, runningVariance: &variance, training: true)
        }
        // BatchNorm with the ReLU fused equals BatchNorm then ReLU, values and gradients (finite differences
        // would straddle the ReLU's kink).
        for training in [true, false] {
            let upstream = randomTensor(x.shape, seed: 22)
            func run(fused: Bool) -> (Tensor, [Tensor]) {
                let inputs = [Variable(x, requiresGrad: true), Variable(gamma, requiresGrad: true), Variable(beta, requiresGrad: true)]
                var mean = Tensor(shape: [4]), variance = Tensor(shape: [4], repeating: 1)
                let y = fused
                    ? batchNorm(inputs[0], weight: inputs[1], bias: inputs[2], runningMean: &mean, runningVariance: &variance, training: training, relu: true)
                    : batchNorm(inputs[0], weight: inputs[1], bias: inputs[2], runningMean: &mean, runningVariance: &variance, training: training).relu()
                let value = y.value
                (y * Variable(upstream)).sum().backward()
                return (value, inputs.map { $0.grad! })
            }
            let (fused, fusedGrads) = run(fused: true), (chained, chainedGrads) = run(fused: false)
            assertClose(fused, chained, atol: 0, "batchNorm+relu training \(training)")
            for (a, b) in zip(fusedGrads, chainedGrads) { assertClose(a, b, atol: 1e-5, "batchNorm+relu gradients training \(training)") }
        }
        checkGradients([x, randomTensor(x.shape, seed: 21)], "addReLU") { v in addReLU(v[0], v[1]) }
        let boxes = Tensor(shape: [3, 5], scalars: [0, -4, 2, 14, 20, 1, 3, 3, 9, 11, 0, 20, 20, 30, 26])
        checkGradients([x], "multi-level RoIAlign") { v in
            multiLevelRoIAlign([v[0], maxPool2d(v[0], kernel: 2)], boxes: boxes, scales: [0.25, 0.125], outputSize: 2,
                               samplingRatio: 2, aligned: true, minLevel: 2, canonicalLevel: 3, canonicalSize: 16)
        }
        checkGradients([x], "multi-level RoIAlign, channels last") { v in
            multiLevelRoIAlign([v[0], maxPool2d(v[0], kernel: 2)], boxes: boxes, scales: [0.25, 0.125], outputSize: 2,
                               samplingRatio: 2, aligned: true, minLevel: 2, canonicalLevel: 3, canonicalSize: 16, channelsLast: true)
        }
        // The channels-last layout is the standard one with bins and channels swapped.
        let standard = multiLevelRoIAlign([Variable(x)], boxes: boxes, scales: [0.25], outputSize: 3, samplingRatio: 2, aligned: true).value
        let last = multiLevelRoIAlign([Variable(x)], boxes: boxes, scales: [0.25], outputSize: 3, samplingRatio: 2, aligned: true,
                                      channelsLast: true).value
        assertClose(last, standard.reshaped([3, x.shape[1], 9]).permuted([0, 2, 1]), atol: 0, "R×S²×C")
    }

    func testMultiLevelRoIAlignPoolsEachBoxFromItsLevel() {
        let p2 = randomTensor([1, 3, 16, 16], seed: 8), p3 = randomTensor([1, 3, 8, 8], seed: 9)
        // √area 10 → ⌊4 + log2(10/224)⌋ < 2 → P2; √area 448 → level 5 → clamped to P3 (two levels given).
        let boxes = Tensor(shape: [2, 5], scalars: [0, 0, 0, 10, 10, 0, 0, 0, 448, 448])
        let pooled = multiLevelRoIAlign([Variable(p2), Variable(p3)], boxes: boxes, scales: [0.25, 0.125], outputSize: 2,
                                        samplingRatio: 2, aligned: true).value
        let settings2 = RoIAlignSettings(outputSize: 2, spatialScale: 0.25, samplingRatio: 2, aligned: true)
        let settings3 = RoIAlignSettings(outputSize: 2, spatialScale: 0.125, samplingRatio: 2, aligned: true)
        let first = roiAlign(p2, boxes: Tensor(shape: [1, 5], scalars: [0, 0, 0, 10, 10]), settings: settings2)
        let second = roiAlign(p3, boxes: Tensor(shape: [1, 5], scalars: [0, 0, 0, 448, 448]), settings: settings3)
        assertClose(pooled.scalars, first.scalars + second.scalars, atol: 1e-6, "rows keep box order, each from its level")
    }

    func testNormalizationLayersTrainEvalAndBuffers() {
        let x = randomTensor([4, 3, 5, 5], seed: 10, low: 1, high: 3)
        let bn = BatchNorm2d(channels: 3)
        XCTAssertEqual(bn.namedParameters().map(\.0), ["weight", "bias"])
        XCTAssertEqual(bn.namedBuffers().map(\.0), ["runningMean", "runningVariance"])
        let trained = bn(Variable(x)).value
        XCTAssertLessThan(abs(trained.scalars.reduce(0, +) / Float(trained.count)), 1e-5, "batch statistics centre the output")
        XCTAssertTrue(bn.runningMean.value.scalars.allSatisfy { $0 > 0.15 && $0 < 0.25 }, "running mean moved 10 % towards ≈2")
        bn.eval()
        let evaluated = bn(Variable(x)).value
        var mean = bn.runningMean.value, variance = bn.runningVariance.value
        assertClose(evaluated, batchNorm(x, weight: bn.weight.value, bias: bn.bias.value, runningMean: &mean,
                                         runningVariance: &variance, training: false).output)
        XCTAssertEqual(mean.scalars, bn.runningMean.value.scalars, "evaluation leaves the running statistics alone")

        let frozen = FrozenBatchNorm2d(channels: 3)
        XCTAssertTrue(frozen.namedParameters().isEmpty)
        XCTAssertEqual(frozen.namedBuffers().count, 4)
        assertClose(frozen(Variable(x)).value, x, atol: 1e-5, "fresh FrozenBatchNorm is the identity")

        let gn = GroupNorm(groups: 3, channels: 3)
        XCTAssertEqual(gn.namedParameters().map(\.0), ["weight", "bias"])
        XCTAssertEqual(gn(Variable(x)).shape, x.shape)
    }

    /// A 2-conv CNN learns which half of a 12×12 image holds a bright 3×3 square. Cross-entropy must
    /// fall at least 20× within 60 steps of SGD with momentum (measured ≈120×; well under a second in release).
    func testSmallCNNFitsToyTask() {
        var random = RandomGenerator(seed: 11)
        let conv1 = Conv2d(inChannels: 1, outChannels: 8, kernelSize: 3, padding: 1, using: &random)
        let norm1 = BatchNorm2d(channels: 8)
        let conv2 = Conv2d(inChannels: 8, outChannels: 8, kernelSize: 3, padding: 1, using: &random)
        let norm2 = GroupNorm(groups: 2, channels: 8)
        let head = Conv2d(inChannels: 8, outChannels: 2, kernelSize: 1, using: &random)
        let parameters = [conv1, norm1, conv2, norm2, head].flatMap { $0.parameters }
        var velocities = parameters.map { Tensor(shape: $0.shape) }
        var images = [Float](repeating: 0, count: 16 * 144), labels = [Float](repeating: 0, count: 16 * 2)
        for n in 0..<16 {
            let right = n % 2, top = random.nextInt(below: 9), left = right * 6 + random.nextInt(below: 4)
            for i in top..<top + 3 { for j in left..<left + 3 { images[n * 144 + i * 12 + j] = 1 } }
            labels[n * 2 + right] = 1
        }
        let x = Variable(Tensor(shape: [16, 1, 12, 12], scalars: images)), target = Variable(Tensor(shape: [16, 2], scalars: labels))
        func loss() -> Variable {
            let features = maxPool2d(norm1(conv1(x)).relu(), kernel: 2)
            let logits = head(norm2(conv2(features)).relu()).mean(axes: [2, 3])
            return -(logSoftmax(logits, axis: 1) * target).sum() / 16
        }
        let initial = loss().value.scalar
        for _ in 0..<60 {
            for p in parameters { p.grad = nil }
            loss().backward()
            for (index, parameter) in parameters.enumerated() {
                guard let grad = parameter.grad else { continue }
                velocities[index].withUnsafeMutablePointer { v in
                    parameter.value.withUnsafeMutablePointer { p in
                        for i in 0..<grad.count { v[i] = 0.9 * v[i] + grad[flat: i]; p[i] -= 0.05 * v[i] }
                    }
                }
            }
        }
        let final = loss().value.scalar
        print("small CNN toy task: cross-entropy \(initial) → \(final) (÷\(initial / final)) in 60 steps")
        XCTAssertLessThan(final, initial / 20, "cross-entropy \(initial) → \(final)")
    }
}
