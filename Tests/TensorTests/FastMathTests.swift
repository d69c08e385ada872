import XCTest
import Foundation
import Tensor

final class FastMathTests: XCTestCase {
    /// Vectorisable exp and erf against libm over their whole useful range.
    func testFastExpAndErfAgainstLibm() {
        var worstExp: Float = 0
        for i in 0...200_000 {
            let x = -87 + 175 * Float(i) / 200_000
            let reference = Foundation.exp(Double(x))
            worstExp = Swift.max(worstExp, Float(Swift.abs(Double(fastExp(x)) - reference) / reference))
        }
        XCTAssertLessThan(worstExp, 4e-7)
        XCTAssertEqual(fastExp(-1000), 0, accuracy: 1e-37)
        XCTAssertEqual(fastExp(0), 1)
        var worstErf: Float = 0
        for i in 0...20_000 {
            let x = -6 + 12 * Float(i) / 20_000
            worstErf = Swift.max(worstErf, Float(Swift.abs(Double(fastErf(x)) - erf(Double(x)))))
        }
        XCTAssertLessThan(worstErf, 6e-7)
    }
}
