import XCTest
import Foundation
@testable import Tensor

/// The spinning pool under load: every task of every region runs exactly once, nested regions run
/// inline, and regions started from two threads at once both complete.
final class WorkerPoolTests: XCTestCase {
    func testEveryTaskRunsOnceAcrossManyRegions() {
        for count in [1, 2, 3, 7, 64, 1000] {
            for _ in 0..<200 {
                var hits = [Int](repeating: 0, count: count)
                hits.withUnsafeMutableBufferPointer { h in
                    let base = h.baseAddress!
                    Parallel.run(count) { i in base[i] += 1 }
                }
                XCTAssertEqual(hits, [Int](repeating: 1, count: count), "count \(count)")
            }
        }
    }

    func testNestedRegionsAndConcurrentCallersComplete() {
        let total = Atomic(0)
        let group = DispatchGroup()
        for _ in 0..<2 {
            group.enter()
            Thread {
                for _ in 0..<300 {
                    Parallel.run(4) { _ in
                        Parallel.run(3) { _ in total.increment() }
                    }
                }
                group.leave()
            }.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success, "regions did not finish")
        XCTAssertEqual(total.value, 2 * 300 * 4 * 3)
    }

    final class Atomic: @unchecked Sendable {
        private let lock = NSLock()
        private var count: Int
        init(_ value: Int) { count = value }
        func increment() { lock.withLock { count += 1 } }
        var value: Int { lock.withLock { count } }
    }
}
