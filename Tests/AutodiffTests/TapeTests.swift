import XCTest
import Tensor
@testable import Autodiff

final class TapeTests: XCTestCase {
    /// y = x * x recorded by hand; dy/dx = 2x, and a fan-out (x used twice) must accumulate.
    func testFanOutAccumulatesAndTapeIsReleased() {
        let x = Variable(Tensor(shape: [2], scalars: [3, -1]), requiresGrad: true)
        let y = Variable.record(Tensor(shape: [2], scalars: x.value.scalars.map { $0 * $0 }), op: "square", inputs: [x, x]) { g in
            [Tensor(shape: [2], scalars: zip(g.scalars, x.value.scalars).map { $0 * $1 }),
             Tensor(shape: [2], scalars: zip(g.scalars, x.value.scalars).map { $0 * $1 })]
        }
        y.backward()
        XCTAssertEqual(x.grad?.scalars, [6, -2])
        XCTAssertNil(y.pullback)
        XCTAssertTrue(y.inputs.isEmpty)
    }

    func testNoGradRecordsNothing() {
        let x = Variable(Tensor(shape: [1], scalars: [1]), requiresGrad: true)
        let y = withNoGrad { Variable.record(x.value, op: "id", inputs: [x]) { [$0] } }
        XCTAssertFalse(y.requiresGrad)
    }
}
