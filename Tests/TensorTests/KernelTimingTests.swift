// Op timings for the engine-core kernels, printed (not asserted: timings on a shared machine are
// noisy). Runs only with DIFFINST_TIMINGS=1; the PyTorch peer is Tests/Fixtures/core_op_timings_pytorch.py.
import XCTest
import Foundation
import Tensor
import Autodiff
import TestSupport

final class KernelTimingTests: XCTestCase {
    func median(_ repeats: Int = 15, _ body: () -> Void) -> Double { medianMilliseconds(repeats, body) }

    func report(_ name: String, _ ms: Double) { print(String(format: "timing %-40@ %9.3f ms", name as NSString, ms)) }

    func testPrintOpTimings() throws {
        guard ProcessInfo.processInfo.environment["DIFFINST_TIMINGS"] == "1" else { throw XCTSkip("set DIFFINST_TIMINGS=1") }
        let big = randomTensor([4, 64, 64, 64], seed: 1), big2 = randomTensor([4, 64, 64, 64], seed: 2)
        let channel = randomTensor([1, 64, 1, 1], seed: 3)
        report("add same shape 4x64x64x64", median { _ = big + big2 })
        report("mul per-channel 4x64x64x64 * 64x1x1", median { _ = big * channel })
        let rows = randomTensor([40000, 256], seed: 4), row = randomTensor([256], seed: 5)
        report("add trailing [40000,256]+[256]", median { _ = rows + row })
        report("exp 4x64x64x64", median { _ = big.exp() })
        report("gelu 4x64x64x64", median { _ = big.gelu() })
        report("gelu backward 4x64x64x64", median { _ = big.geluBackward(big2) })
        report("sum last axis [40000,256]", median { _ = rows.sum(axes: [1]) })
        report("sum first axis [40000,256]", median { _ = rows.sum(axes: [0]) })
        let scores = randomTensor([32, 100, 100], seed: 6)
        report("softmax last axis [32,100,100]", median { _ = scores.softmax(axis: -1) })
        let heads = randomTensor([4, 100, 8, 16], seed: 7)
        report("permute [4,100,8,16]->(0,2,1,3)", median { _ = heads.permuted([0, 2, 1, 3]) })
        let m = randomTensor([512, 512], seed: 8)
        let t = median { _ = matmul(m, m) }
        report(String(format: "matmul 512^3 (%.0f GFLOP/s)", 2 * 512 * 512 * 512 / t / 1e6), t)
        let x = randomTensor([400, 256], seed: 9), w = randomTensor([256, 256], seed: 10), b = randomTensor([256], seed: 11)
        report("linear 400x256x256 fwd+bwd", median {
            let xv = Variable(x, requiresGrad: true), wv = Variable(w, requiresGrad: true), bv = Variable(b, requiresGrad: true)
            linear(xv, weight: wv, bias: bv).sum().backward()
        })
        report("layerNorm [400,256] fwd+bwd", median {
            let xv = Variable(x, requiresGrad: true), wv = Variable(row, requiresGrad: true), bv = Variable(row, requiresGrad: true)
            layerNorm(xv, weight: wv, bias: bv).sum().backward()
        })
    }
}
