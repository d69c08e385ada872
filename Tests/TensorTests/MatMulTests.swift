import XCTest
import Tensor
import TestSupport

final class MatMulTests: XCTestCase {
    func testAllTransposeFlagsAndBatchingAgainstNaive() {
        let cases: [([Int], [Int], Bool, Bool)] = [
            ([3, 5], [5, 4], false, false), ([5, 3], [5, 4], true, false), ([3, 5], [4, 5], false, true),
            ([5, 3], [4, 5], true, true), ([2, 3, 5], [2, 5, 7], false, false), ([2, 5, 3], [2, 7, 5], true, true),
            ([4, 3, 5], [5, 6], false, false), ([4, 3, 5], [6, 5], false, true), ([3, 5], [2, 5, 4], false, false),
            ([2, 2, 3, 5], [2, 2, 5, 1], false, false), ([1, 1], [1, 1], false, false), ([65, 129], [129, 33], false, false),
            ([4, 5, 3], [5, 2], true, false),
        ]
        for (i, (sa, sb, ta, tb)) in cases.enumerated() {
            let a = randomTensor(sa, seed: UInt64(i)), b = randomTensor(sb, seed: UInt64(50 + i))
            let fast = matmul(a, b, transposeA: ta, transposeB: tb)
            assertClose(fast, matmulReference(a, b, transposeA: ta, transposeB: tb), atol: 1e-5, rtol: 1e-5, "\(sa) \(sb) \(ta) \(tb)")
        }
    }
}
