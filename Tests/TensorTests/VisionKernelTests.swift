// Fast vision kernels against the naive references (VisionReference) over several shapes, and
// every backward kernel against central finite differences of its forward kernel.
import XCTest
@testable import Tensor
import TestSupport

final class VisionKernelTests: XCTestCase {
    struct ConvCase { let input: [Int]; let weight: [Int]; let stride, padding, dilation, groups: Int }
    let convCases = [
        ConvCase(input: [2, 3, 7, 6], weight: [4, 3, 3, 3], stride: 1, padding: 1, dilation: 1, groups: 1),
        ConvCase(input: [1, 4, 9, 11], weight: [6, 2, 3, 3], stride: 2, padding: 2, dilation: 2, groups: 2),
        ConvCase(input: [3, 5, 5, 4], weight: [7, 5, 1, 1], stride: 1, padding: 0, dilation: 1, groups: 1),
        ConvCase(input: [2, 6, 8, 8], weight: [4, 6, 1, 1], stride: 2, padding: 0, dilation: 1, groups: 1),
        ConvCase(input: [1, 3, 13, 12], weight: [5, 3, 7, 7], stride: 2, padding: 3, dilation: 1, groups: 1),
        ConvCase(input: [2, 4, 6, 5], weight: [4, 1, 3, 3], stride: 1, padding: 1, dilation: 1, groups: 4),
        ConvCase(input: [2, 4, 8, 7], weight: [6, 2, 3, 3], stride: 1, padding: 1, dilation: 2, groups: 2),
        ConvCase(input: [1, 2, 5, 6], weight: [3, 2, 3, 3], stride: 1, padding: 3, dilation: 1, groups: 1),
        // More output channels than positions: dx through col2im instead of the flipped kernel.
        ConvCase(input: [1, 3, 3, 2], weight: [12, 3, 3, 3], stride: 1, padding: 1, dilation: 1, groups: 1),
    ]

    func testConvolutionMatchesNaiveAndFiniteDifferences() {
        var random = TestRandom(seed: 1)
        for c in convCases {
            let x = random.tensor(c.input), w = random.tensor(c.weight, scale: 0.5), b = random.tensor([c.weight[0]])
            let label = "conv \(c.input) ⊛ \(c.weight) s\(c.stride) p\(c.padding) d\(c.dilation) g\(c.groups)"
            let fast = conv2d(x, weight: w, bias: b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
            let naive = VisionReference.conv2d(x, weight: w, bias: b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
            assertClose(fast, naive, atol: 1e-4, rtol: 1e-4, label)
            let upstream = random.tensor(fast.shape)
            let grads = conv2dBackward(upstream, input: x, weight: w, stride: c.stride, padding: c.padding,
                                       dilation: c.dilation, groups: c.groups)
            let run = { (x: Tensor, w: Tensor, b: Tensor) in
                VisionReference.conv2d(x, weight: w, bias: b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
            }
            assertGradientMatchesFiniteDifferences(x, upstream: upstream, analytic: grads.input!, "\(label) dx") { run($0, w, b) }
            assertGradientMatchesFiniteDifferences(w, upstream: upstream, analytic: grads.weight!, "\(label) dw") { run(x, $0, b) }
            assertGradientMatchesFiniteDifferences(b, upstream: upstream, analytic: grads.bias!, "\(label) db") { run(x, w, $0) }
        }
    }

    func testMaxPoolAndNearestGradients() {
        var random = TestRandom(seed: 2)
        let x = random.tensor([2, 3, 9, 8])
        let pooled = maxPool2d(x, kernel: 3, stride: 2, padding: 1)
        XCTAssertEqual(pooled.output.shape, [2, 3, 5, 4])
        let upstream = random.tensor(pooled.output.shape)
        assertGradientMatchesFiniteDifferences(x, upstream: upstream, analytic: maxPool2dBackward(upstream, indices: pooled.indices, inputShape: x.shape),
                                               step: 1e-3, "maxPool2d") { maxPool2d($0, kernel: 3, stride: 2, padding: 1).output }
        let up = upsampleNearest(x, factor: 2)
        XCTAssertEqual(up.shape, [2, 3, 18, 16])
        XCTAssertEqual(up[flat: 16 * 3 + 5], x[flat: 8 * 1 + 2], "nearest: output (3, 5) copies input (1, 2)")
        let upUpstream = random.tensor(up.shape)
        assertGradientMatchesFiniteDifferences(x, upstream: upUpstream, analytic: upsampleNearestBackward(upUpstream, factor: 2),
                                               "upsampleNearest") { upsampleNearest($0, factor: 2) }
    }

    func testInterpolationMatchesNaiveAndFiniteDifferences() {
        var random = TestRandom(seed: 3)
        let x = random.tensor([2, 3, 5, 7])
        for (h, w) in [(10, 14), (3, 4), (8, 5), (5, 7)] {
            let fast = resizeBilinear(x, height: h, width: w)
            assertClose(fast, VisionReference.resizeBilinear(x, height: h, width: w), atol: 1e-5, "bilinear → \(h)×\(w)")
            let upstream = random.tensor(fast.shape)
            assertGradientMatchesFiniteDifferences(x, upstream: upstream, analytic: resizeBilinearBackward(upstream, inputShape: x.shape),
                                                   "bilinear → \(h)×\(w)") { resizeBilinear($0, height: h, width: w) }
        }
        for f in [1, 2, 3, 4] {
            let fast = alignedBilinearUpsample(x, factor: f)
            assertClose(fast, VisionReference.alignedBilinearUpsample(x, factor: f), atol: 1e-5, "aligned ×\(f)")
            let upstream = random.tensor(fast.shape)
            assertGradientMatchesFiniteDifferences(x, upstream: upstream, analytic: alignedBilinearUpsampleBackward(upstream, factor: f),
                                                   "aligned ×\(f)") { alignedBilinearUpsample($0, factor: f) }
        }
    }

    func testRoIAlignMatchesNaiveAndFiniteDifferences() {
        var random = TestRandom(seed: 4)
        let feature = random.tensor([2, 5, 9, 12])
        var rows: [Float] = [0, -8, -3, 20, 14, 1, 30, 20, 70, 44, 0, 10, 10, 10, 10, 1, 12, 9, 4, 2]
        for _ in 0..<12 {
            let x1 = random.uniform() * 60 - 10, y1 = random.uniform() * 44 - 8
            rows += [Float(Int(random.uniform() * 2)), x1, y1, x1 + random.uniform() * 30, y1 + random.uniform() * 20]
        }
        let boxes = Tensor(shape: [rows.count / 5, 5], scalars: rows)
        for settings in [RoIAlignSettings(outputSize: 7, spatialScale: 0.25, samplingRatio: 2, aligned: true),
                         RoIAlignSettings(outputSize: 3, spatialScale: 0.25, samplingRatio: 0, aligned: true),
                         RoIAlignSettings(outputSize: 4, spatialScale: 0.5, samplingRatio: 3, aligned: false)] {
            let fast = roiAlign(feature, boxes: boxes, settings: settings)
            assertClose(fast, VisionReference.roiAlign(feature, boxes: boxes, settings: settings), atol: 1e-5, "roiAlign \(settings)")
            let upstream = random.tensor(fast.shape)
            assertGradientMatchesFiniteDifferences(feature, upstream: upstream,
                                                   analytic: roiAlignBackward(upstream, featureShape: feature.shape, boxes: boxes, settings: settings),
                                                   samples: 200, "roiAlign \(settings)") { roiAlign($0, boxes: boxes, settings: settings) }
        }
    }

    func testRoILevelAssignmentFollowsSpec() {
        // √area: 0 → P2, 111 → ⌊4 + log2(0.496)⌋ = 2, 112 → 3, 224 → 4, 448 → 5, 2000 → clamp 5; inverted → P2.
        let sides: [Float] = [0, 111, 112, 224, 447, 448, 2000]
        var rows = sides.flatMap { [0, 10, 20, 10 + $0, 20 + $0] as [Float] }
        rows += [0, 50, 50, 10, 60]
        let levels = assignRoILevels(boxes: Tensor(shape: [rows.count / 5, 5], scalars: rows))
        XCTAssertEqual(levels, [0, 0, 1, 2, 2, 3, 3, 0])
    }

    func testNormalizationsMatchReferenceAndFiniteDifferences() {
        var random = TestRandom(seed: 5)
        let x = random.tensor([3, 4, 5, 3], scale: 2), gamma = random.tensor([4]), beta = random.tensor([4])
        var runningMean = Tensor(shape: [4]), runningVariance = Tensor(shape: [4], repeating: 1)
        let (y, statistics) = batchNorm(x, weight: gamma, bias: beta, runningMean: &runningMean, runningVariance: &runningVariance, training: true)
        let xs = x.scalars, plane = 15
        func channelValues(_ c: Int) -> [Float] { (0..<3).flatMap { n in xs[(n * 4 + c) * plane..<(n * 4 + c + 1) * plane] } }
        let means = (0..<4).map { c in channelValues(c).reduce(0, +) / 45 }
        let variances = (0..<4).map { c in channelValues(c).map { ($0 - means[c]) * ($0 - means[c]) }.reduce(0, +) / 45 }
        assertClose(y, VisionReference.normalize(x, mean: { means[$1] }, variance: { variances[$1] }, weight: gamma, bias: beta, eps: 1e-5), atol: 1e-4, "batchNorm train")
        assertClose(runningMean.scalars, means.map { 0.1 * $0 }, atol: 1e-5, "running mean")
        assertClose(runningVariance.scalars, variances.map { 0.9 + 0.1 * $0 * 45 / 44 }, atol: 1e-5, "running variance (unbiased)")
        let upstream = random.tensor(x.shape)
        let grads = batchNormBackward(upstream, input: x, weight: gamma, statistics: statistics, training: true)
        func trainForward(_ x: Tensor, _ g: Tensor, _ b: Tensor) -> Tensor {
            var m = Tensor(shape: [4]), v = Tensor(shape: [4])
            return batchNorm(x, weight: g, bias: b, runningMean: &m, runningVariance: &v, training: true).output
        }
        assertGradientMatchesFiniteDifferences(x, upstream: upstream, analytic: grads.input, step: 1e-2, "batchNorm dx") { trainForward($0, gamma, beta) }
        assertGradientMatchesFiniteDifferences(gamma, upstream: upstream, analytic: grads.weight, "batchNorm dγ") { trainForward(x, $0, beta) }
        assertGradientMatchesFiniteDifferences(beta, upstream: upstream, analytic: grads.bias, "batchNorm dβ") { trainForward(x, gamma, $0) }
        // Evaluation: a fixed affine, so dx = dy·γ/√(v + eps).
        let (_, evalStatistics) = batchNorm(x, weight: gamma, bias: beta, runningMean: &runningMean, runningVariance: &runningVariance, training: false)
        let evalGrads = batchNormBackward(upstream, input: x, weight: gamma, statistics: evalStatistics, training: false)
        let (rm, rv) = (runningMean, runningVariance)
        assertGradientMatchesFiniteDifferences(x, upstream: upstream, analytic: evalGrads.input, "batchNorm eval dx") {
            var m = rm, v = rv
            return batchNorm($0, weight: gamma, bias: beta, runningMean: &m, runningVariance: &v, training: false).output
        }
        assertClose(frozenBatchNorm(x, weight: gamma, bias: beta, runningMean: rm, runningVariance: rv),
                    VisionReference.normalize(x, mean: { rm[flat: $1] }, variance: { rv[flat: $1] }, weight: gamma, bias: beta, eps: 1e-5), atol: 1e-4, "frozen")

        let gx = random.tensor([2, 6, 4, 3], scale: 3), gGamma = random.tensor([6]), gBeta = random.tensor([6])
        let (gy, gStatistics) = groupNorm(gx, groups: 3, weight: gGamma, bias: gBeta)
        let gxs = gx.scalars
        func groupValues(_ n: Int, _ g: Int) -> [Float] { Array(gxs[(n * 6 + g * 2) * 12..<(n * 6 + g * 2 + 2) * 12]) }
        let gMean = { (n: Int, c: Int) in groupValues(n, c / 2).reduce(0, +) / 24 }
        let gVariance = { (n: Int, c: Int) in groupValues(n, c / 2).map { ($0 - gMean(n, c)) * ($0 - gMean(n, c)) }.reduce(0, +) / 24 }
        assertClose(gy, VisionReference.normalize(gx, mean: gMean, variance: gVariance, weight: gGamma, bias: gBeta, eps: 1e-5), atol: 1e-4, "groupNorm")
        let gUpstream = random.tensor(gx.shape)
        let gGrads = groupNormBackward(gUpstream, input: gx, groups: 3, weight: gGamma, statistics: gStatistics)
        assertGradientMatchesFiniteDifferences(gx, upstream: gUpstream, analytic: gGrads.input, "groupNorm dx") { groupNorm($0, groups: 3, weight: gGamma, bias: gBeta).output }
        assertGradientMatchesFiniteDifferences(gGamma, upstream: gUpstream, analytic: gGrads.weight, "groupNorm dγ") { groupNorm(gx, groups: 3, weight: $0, bias: gBeta).output }
    }
}

final class VisionConvolutionBlockingTests: XCTestCase {
    /// Tiny column budgets force the tiled path (one image split by output positions) and uneven image blocks.
    func testTiledAndBatchedBlocksMatchNaive() {
        var random = TestRandom(seed: 6)
        let saved = ConvolutionGeometry.columnBudget
        defer { ConvolutionGeometry.columnBudget = saved }
        let x = random.tensor([3, 4, 9, 10]), w = random.tensor([5, 4, 3, 3]), pointwise = random.tensor([5, 4, 1, 1])
        for budget in [100, 36 * 30, 36 * 90 * 2, 1 << 20] {
            ConvolutionGeometry.columnBudget = budget
            for (weight, padding, stride) in [(w, 1, 1), (w, 2, 2), (pointwise, 0, 1)] {
                let label = "budget \(budget) kernel \(weight.shape[2]) stride \(stride)"
                let y = conv2d(x, weight: weight, stride: stride, padding: padding)
                assertClose(y, VisionReference.conv2d(x, weight: weight, bias: nil, stride: stride, padding: padding, dilation: 1, groups: 1), atol: 1e-4, label)
                let upstream = random.tensor(y.shape)
                ConvolutionGeometry.columnBudget = 1 << 20
                let reference = conv2dBackward(upstream, input: x, weight: weight, stride: stride, padding: padding)
                ConvolutionGeometry.columnBudget = budget
                let grads = conv2dBackward(upstream, input: x, weight: weight, stride: stride, padding: padding)
                assertClose(grads.input!, reference.input!, atol: 1e-4, "\(label) dx")
                assertClose(grads.weight!, reference.weight!, atol: 1e-3, "\(label) dw")
            }
        }
    }
}

final class VisionImplicitConvolutionTests: XCTestCase {
    /// Maps of ≥ 256 positions (written straight into the NCHW output, batch 1 split by columns),
    /// products large enough for the pool, stride 2, dilation and groups: the native implicit-GEMM
    /// path, with every instruction set the CPU runs, against the naive forward and against the
    /// explicit im2col + OpenBLAS path for gradients.
    func testImplicitGEMMMatchesExplicitColumns() throws {
        try XCTSkipIf(nativeISAsOfThisCPU.isEmpty, "no AVX2+FMA: the implicit path is not used")
        let cases = [
            VisionKernelTests.ConvCase(input: [2, 3, 20, 17], weight: [5, 3, 3, 3], stride: 1, padding: 1, dilation: 1, groups: 1),
            VisionKernelTests.ConvCase(input: [1, 16, 40, 40], weight: [32, 16, 3, 3], stride: 1, padding: 1, dilation: 1, groups: 1),
            VisionKernelTests.ConvCase(input: [3, 8, 33, 34], weight: [12, 8, 3, 3], stride: 2, padding: 1, dilation: 1, groups: 1),
            VisionKernelTests.ConvCase(input: [2, 8, 24, 24], weight: [8, 4, 3, 3], stride: 1, padding: 2, dilation: 2, groups: 2),
            VisionKernelTests.ConvCase(input: [4, 32, 8, 8], weight: [64, 32, 3, 3], stride: 1, padding: 1, dilation: 1, groups: 1),
            // Two column tiles only: the output channels are split over the pool instead.
            VisionKernelTests.ConvCase(input: [2, 16, 6, 6], weight: [256, 16, 3, 3], stride: 1, padding: 1, dilation: 1, groups: 1),
            VisionKernelTests.ConvCase(input: [2, 3, 64, 64], weight: [16, 3, 7, 7], stride: 2, padding: 3, dilation: 1, groups: 1),
            // Maps of width ≤ 48 with full-width output rows take the flat-plane packer (16 columns per load
            // across output rows): 4×4 and 16×16 (ResNet's last stages), 32×32, and a 3×1 kernel whose output
            // loses two rows but keeps the width.
            VisionKernelTests.ConvCase(input: [5, 16, 4, 4], weight: [32, 16, 3, 3], stride: 1, padding: 1, dilation: 1, groups: 1),
            VisionKernelTests.ConvCase(input: [2, 8, 16, 16], weight: [16, 8, 3, 3], stride: 1, padding: 1, dilation: 1, groups: 1),
            VisionKernelTests.ConvCase(input: [1, 8, 32, 32], weight: [8, 8, 3, 3], stride: 1, padding: 1, dilation: 1, groups: 1),
            VisionKernelTests.ConvCase(input: [3, 4, 13, 11], weight: [6, 4, 3, 1], stride: 1, padding: 0, dilation: 1, groups: 1),
            // Stride 2 on 8×8 (the vectorised even-lane gather) with odd output widths elsewhere above.
            VisionKernelTests.ConvCase(input: [4, 16, 8, 8], weight: [32, 16, 3, 3], stride: 2, padding: 1, dilation: 1, groups: 1),
        ]
        for isa in nativeISAsOfThisCPU {
            var random = TestRandom(seed: 11)
            for c in cases {
                let label = "\(isa.name) conv \(c.input) ⊛ \(c.weight) s\(c.stride) p\(c.padding) d\(c.dilation) g\(c.groups)"
                let x = random.tensor(c.input), w = random.tensor(c.weight)
                let (y, upstream, native) = withNativeISA(isa) { () -> (Tensor, Tensor, (input: Tensor?, weight: Tensor?, bias: Tensor?)) in
                    let y = conv2d(x, weight: w, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
                    let upstream = random.tensor(y.shape)
                    return (y, upstream, conv2dBackward(upstream, input: x, weight: w, stride: c.stride, padding: c.padding,
                                                        dilation: c.dilation, groups: c.groups))
                }
                let naive = VisionReference.conv2d(x, weight: w, bias: nil, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
                assertClose(y, naive, atol: 1e-4, rtol: 1e-4, label)
                // conv2d takes the implicit forward only with AVX-512; call it directly for every instruction set.
                let geometry = ConvolutionGeometry(input: c.input, weight: c.weight, stride: c.stride, padding: c.padding,
                                                   dilation: c.dilation, groups: c.groups)
                var implicit = Tensor(shape: y.shape)
                withNativeISA(isa) {
                    x.withUnsafePointer { px in w.withUnsafePointer { pw in implicit.withUnsafeMutablePointer { out in
                        implicitConvolutionForward(geometry, px, pw, out)
                    } } }
                }
                assertClose(implicit, naive, atol: 1e-4, rtol: 1e-4, "\(label) implicit forward")
                let saved = GEMM.backend
                GEMM.backend = .openBLAS
                let explicit = conv2dBackward(upstream, input: x, weight: w, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
                GEMM.backend = saved
                assertClose(native.input!, explicit.input!, atol: 1e-4, rtol: 1e-4, "\(label) dx")
                assertClose(native.weight!, explicit.weight!, atol: 1e-3, rtol: 1e-4, "\(label) dw")
                assertClose(native.bias!, explicit.bias!, atol: 1e-3, rtol: 1e-4, "\(label) db")
            }
        }
    }
}
