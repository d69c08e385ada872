import XCTest
import Tensor
import TestSupport

final class TensorStorageTests: XCTestCase {
    func testCopyOnWriteLeavesOriginalUntouched() {
        let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        var b = a
        b[flat: 0] = 42
        XCTAssertEqual(a.scalars[0], 1)
        XCTAssertEqual(b.scalars[0], 42)
    }

    func testReshapeInfersOneDimension() {
        let a = Tensor(shape: [2, 3, 4])
        XCTAssertEqual(a.reshaped([-1, 4]).shape, [6, 4])
    }
}
