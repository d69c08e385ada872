// Multi-head attention timing (printed, not asserted), the `diffinst bench ops` attention case.
// Runs only with DIFFINST_TIMINGS=1; PyTorch peer: Tests/Fixtures/core_op_timings_pytorch.py.
import XCTest
import Foundation
import NN
import TestSupport

final class AttentionTimingTests: XCTestCase {
    func median(_ repeats: Int = 15, _ body: () -> Void) -> Double { medianMilliseconds(repeats, body) }

    func testPrintAttentionTimings() throws {
        guard ProcessInfo.processInfo.environment["DIFFINST_TIMINGS"] == "1" else { throw XCTSkip("set DIFFINST_TIMINGS=1") }
        var rng = RandomGenerator(seed: 12)
        let attention = MultiHeadAttention(embedDimension: 128, heads: 8, using: &rng)
        let tokens = randomTensor([4, 100, 128], seed: 13)
        let forward = median { _ = withNoGrad { attention(Variable(tokens)) } }
        let both = median {
            let tv = Variable(tokens, requiresGrad: true)
            attention(tv).sum().backward()
            attention.zeroGrad()
        }
        print(String(format: "timing attention d128 h8 4x100 fwd %9.3f ms", forward))
        print(String(format: "timing attention d128 h8 4x100 fwd+bwd %9.3f ms", both))
    }
}
