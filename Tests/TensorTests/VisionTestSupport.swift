// Helpers for the vision kernel tests: seeded random tensors, a central-difference check of a
// backward kernel against its forward kernel, and the PyTorch fixture file reader.
import XCTest
import Foundation
import Tensor

/// Small deterministic generator (SplitMix64 → Box–Muller) so the tests do not depend on engine RNG.
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 24) }
    mutating func normal() -> Float {
        let u = max(uniform(), 1e-7), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
    mutating func tensor(_ shape: [Int], scale: Float = 1) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in normal() * scale })
    }
}

func dot(_ a: Tensor, _ b: Tensor) -> Double {
    precondition(a.count == b.count)
    var total = 0.0
    for i in 0..<a.count { total += Double(a[flat: i]) * Double(b[flat: i]) }
    return total
}

/// Checks `analytic` (the backward kernel's gradient of L = Σ forward(x)·upstream) against central
/// differences at up to `samples` evenly spread coordinates of x.
func assertGradientMatchesFiniteDifferences(_ x: Tensor, upstream: Tensor, analytic: Tensor, step: Float = 1e-2,
                                            atol: Double = 2e-3, rtol: Double = 2e-2, samples: Int = 40,
                                            _ label: String, forward: (Tensor) -> Tensor,
                                            file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(analytic.shape, x.shape, "\(label): gradient shape", file: file, line: line)
    let stride = max(1, x.count / samples)
    for i in Swift.stride(from: 0, to: x.count, by: stride) {
        var plus = x, minus = x
        plus[flat: i] += step; minus[flat: i] -= step
        let numeric = (dot(forward(plus), upstream) - dot(forward(minus), upstream)) / Double(2 * step)
        let value = Double(analytic[flat: i])
        if abs(numeric - value) > atol + rtol * abs(numeric) {
            XCTFail("\(label): d/dx[\(i)] analytic \(value) vs finite difference \(numeric)", file: file, line: line)
            return
        }
    }
}

/// One case of Tests/Fixtures/vision_fixtures.json (written by make_vision_fixtures.py).
struct VisionFixture {
    let name: String
    let fields: [String: Any]

    static let all: [String: Any] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/vision_fixtures.json")
        guard let data = try? Data(contentsOf: url),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let cases = root["cases"] as? [String: Any] else {
            fatalError("\(url.path): missing or unreadable; regenerate with Tests/Fixtures/make_vision_fixtures.py")
        }
        return cases
    }()

    init(_ name: String) {
        guard let fields = Self.all[name] as? [String: Any] else { fatalError("vision_fixtures.json: no case \(name)") }
        self.name = name
        self.fields = fields
    }

    func tensor(_ key: String) -> Tensor {
        guard let entry = fields[key] as? [String: Any], let shape = entry["shape"] as? [Int],
              let data = entry["data"] as? [Double] else { fatalError("vision_fixtures.json: case \(name) lacks tensor \(key)") }
        return Tensor(shape: shape, scalars: data.map { Float($0) })
    }

    func int(_ key: String) -> Int {
        guard let value = fields[key] as? Int else { fatalError("vision_fixtures.json: case \(name) lacks integer \(key)") }
        return value
    }

    func float(_ key: String) -> Float {
        guard let value = fields[key] as? Double else { fatalError("vision_fixtures.json: case \(name) lacks number \(key)") }
        return Float(value)
    }

    func bool(_ key: String) -> Bool {
        guard let value = fields[key] as? Bool else { fatalError("vision_fixtures.json: case \(name) lacks flag \(key)") }
        return value
    }
}
