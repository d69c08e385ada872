// Vision kernels against PyTorch 1.13 / torchvision 0.14 outputs and gradients stored in
// Tests/Fixtures/vision_fixtures.json (regenerate with Tests/Fixtures/make_vision_fixtures.py).
import XCTest
import Tensor
import TestSupport

final class VisionFixtureTests: XCTestCase {
    func testConvolutionMatchesPyTorch() {
        for name in ["conv_plain", "conv_grouped", "conv_pointwise_stride"] {
            let f = VisionFixture(name)
            let (s, p, d, g) = (f.int("stride"), f.int("padding"), f.int("dilation"), f.int("groups"))
            let y = conv2d(f.tensor("x"), weight: f.tensor("weight"), bias: f.tensor("bias"), stride: s, padding: p, dilation: d, groups: g)
            assertClose(y, f.tensor("y"), atol: 1e-4, name)
            let grads = conv2dBackward(f.tensor("upstream"), input: f.tensor("x"), weight: f.tensor("weight"),
                                       stride: s, padding: p, dilation: d, groups: g)
            assertClose(grads.input!, f.tensor("dx"), atol: 1e-4, "\(name) dx")
            assertClose(grads.weight!, f.tensor("dweight"), atol: 1e-4, "\(name) dweight")
            assertClose(grads.bias!, f.tensor("dbias"), atol: 1e-4, "\(name) dbias")
        }
    }

    func testMaxPoolMatchesPyTorch() {
        let f = VisionFixture("maxpool")
        let result = maxPool2d(f.tensor("x"), kernel: f.int("kernel"), stride: f.int("stride"), padding: f.int("padding"))
        assertClose(result.output, f.tensor("y"), atol: 1e-6, "maxpool")
        assertClose(maxPool2dBackward(f.tensor("upstream"), indices: result.indices, inputShape: f.tensor("x").shape), f.tensor("dx"), atol: 1e-5, "maxpool dx")
    }

    func testBilinearResizeMatchesPyTorch() {
        for name in ["bilinear_mixed", "bilinear_up2"] {
            let f = VisionFixture(name)
            let x = f.tensor("x")
            assertClose(resizeBilinear(x, height: f.int("height"), width: f.int("width")), f.tensor("y"), atol: 1e-5, name)
            assertClose(resizeBilinearBackward(f.tensor("upstream"), inputShape: x.shape), f.tensor("dx"), atol: 1e-5, "\(name) dx")
        }
    }

    func testAlignedBilinearMatchesSpecRestatement() {
        for factor in [2, 3, 4] {
            let f = VisionFixture("aligned_bilinear_\(factor)")
            assertClose(alignedBilinearUpsample(f.tensor("x"), factor: f.int("factor")), f.tensor("y"), atol: 1e-5, f.name)
        }
    }

    func testRoIAlignMatchesTorchvision() {
        for name in ["roi_align_v2", "roi_align_adaptive", "roi_align_legacy"] {
            let f = VisionFixture(name)
            let settings = RoIAlignSettings(outputSize: f.int("output_size"), spatialScale: f.float("spatial_scale"),
                                            samplingRatio: f.int("sampling_ratio"), aligned: f.bool("aligned"))
            let feature = f.tensor("feature"), boxes = f.tensor("boxes")
            assertClose(roiAlign(feature, boxes: boxes, settings: settings), f.tensor("y"), atol: 1e-5, name)
            assertClose(roiAlignBackward(f.tensor("upstream"), featureShape: feature.shape, boxes: boxes, settings: settings),
                        f.tensor("dfeature"), atol: 1e-5, "\(name) dfeature")
        }
    }

    func testBatchNormMatchesPyTorch() {
        let f = VisionFixture("batchnorm")
        var runningMean = f.tensor("running_mean"), runningVariance = f.tensor("running_var")
        let (y, statistics) = batchNorm(f.tensor("x"), weight: f.tensor("weight"), bias: f.tensor("bias"),
                                        runningMean: &runningMean, runningVariance: &runningVariance, training: true)
        assertClose(y, f.tensor("y"), atol: 1e-5, "batchnorm train")
        assertClose(runningMean, f.tensor("running_mean_after"), atol: 1e-6, "running mean")
        assertClose(runningVariance, f.tensor("running_var_after"), atol: 1e-6, "running variance")
        let grads = batchNormBackward(f.tensor("upstream"), input: f.tensor("x"), weight: f.tensor("weight"), statistics: statistics, training: true)
        assertClose(grads.input, f.tensor("dx"), atol: 1e-5, "batchnorm dx")
        assertClose(grads.weight, f.tensor("dweight"), atol: 1e-4, "batchnorm dweight")
        assertClose(grads.bias, f.tensor("dbias"), atol: 1e-4, "batchnorm dbias")
        let (yEval, _) = batchNorm(f.tensor("x"), weight: f.tensor("weight"), bias: f.tensor("bias"),
                                   runningMean: &runningMean, runningVariance: &runningVariance, training: false)
        assertClose(yEval, f.tensor("y_eval"), atol: 1e-5, "batchnorm eval")
    }

    func testGroupNormMatchesPyTorch() {
        let f = VisionFixture("groupnorm")
        let (y, statistics) = groupNorm(f.tensor("x"), groups: f.int("groups"), weight: f.tensor("weight"), bias: f.tensor("bias"))
        assertClose(y, f.tensor("y"), atol: 1e-5, "groupnorm")
        let grads = groupNormBackward(f.tensor("upstream"), input: f.tensor("x"), groups: f.int("groups"), weight: f.tensor("weight"), statistics: statistics)
        assertClose(grads.input, f.tensor("dx"), atol: 1e-5, "groupnorm dx")
        assertClose(grads.weight, f.tensor("dweight"), atol: 1e-4, "groupnorm dweight")
        assertClose(grads.bias, f.tensor("dbias"), atol: 1e-4, "groupnorm dbias")
    }
}
