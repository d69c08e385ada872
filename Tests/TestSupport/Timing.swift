// Timing harness shared by the opt-in timing tests (DIFFINST_TIMINGS=1): printed, never asserted.
import Foundation

/// Median wall time of `body` in milliseconds, after 3 warm-up calls.
public func medianMilliseconds(_ repeats: Int = 15, _ body: () -> Void) -> Double {
    for _ in 0..<3 { body() }
    var times: [Double] = []
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    return times.sorted()[repeats / 2]
}
