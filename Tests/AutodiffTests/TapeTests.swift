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

final class TapeMemoryTests: XCTestCase {
    /// After backward, no interior node keeps its pullback, inputs or gradient, and leaves keep theirs.
    func testTapeReleasedAfterBackwardAndLeavesKeepGradients() {
        let w = Parameter(Tensor(shape: [3, 3], repeating: 0.5))
        let x = Variable(Tensor(shape: [2, 3], repeating: 1))
        let hidden = matmul(x, w).relu()
        weak var weakHidden: Variable? = hidden
        let loss = (hidden * hidden).sum()
        loss.backward()
        XCTAssertNil(hidden.pullback)
        XCTAssertTrue(hidden.inputs.isEmpty)
        XCTAssertNil(hidden.grad)
        XCTAssertNil(loss.pullback)
        XCTAssertEqual(w.grad?.shape, [3, 3])
        _ = weakHidden
    }

    /// Interior nodes are freed once the caller drops them: the graph holds no cycles.
    func testGraphIsFreedWhenDropped() {
        let w = Parameter(Tensor(shape: [4], repeating: 1))
        weak var weakInterior: Variable?
        do {
            let interior = w * 2
            weakInterior = interior
            let loss = interior.sum()
            loss.backward()
        }
        XCTAssertNil(weakInterior)
    }

    func testNoGradScopeRecordsNothing() {
        let w = Parameter(Tensor(shape: [2, 2], repeating: 1))
        let y = withNoGrad { (matmul(w, w).exp() + w).sum() }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertNil(y.pullback)
        XCTAssertTrue(y.inputs.isEmpty)
        XCTAssertTrue(GradMode.isEnabled)
    }

    func testDetachStopsGradient() {
        let w = Parameter(Tensor(shape: [2], scalars: [1, 2]))
        let loss = (w * w.detached()).sum()
        loss.backward()
        XCTAssertEqual(w.grad?.scalars, [1, 2])
    }
}
