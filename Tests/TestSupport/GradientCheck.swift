// Finite-difference gradient checking for any differentiable op: the analytic gradient of
// ⟨f(x), r⟩ (r a fixed random projection) against central differences accumulated in Float64.
import XCTest
import Tensor
import Autodiff

/// A reproducible tensor with elements uniform in [low, high).
public func randomTensor(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return Tensor.randomUniform(shape: shape, low: low, high: high, using: &rng)
}

/// Largest discrepancy found by `checkGradients`, for reporting.
public struct GradientCheckResult {
    public var maxAbsoluteError: Double = 0
    public var worst: String = ""
}

/// Checks d⟨f(inputs), r⟩/d inputs[i] for every input (or up to `maxElements` sampled elements of each)
/// against central finite differences with step `eps`. Fails the calling test when
/// |analytic − numeric| > atol + rtol·|numeric|. `f` must be deterministic.
@discardableResult
public func checkGradients(_ inputs: [Tensor], eps: Float = 1e-3, atol: Double = 2e-3, rtol: Double = 1e-2,
                           maxElements: Int = 64, seed: UInt64 = 7, failOnMismatch: Bool = true, _ label: String = "",
                           file: StaticString = #filePath, line: UInt = #line,
                           _ f: ([Variable]) -> Variable) -> GradientCheckResult {
    let variables = inputs.map { Variable($0, requiresGrad: true) }
    let output = f(variables)
    let projection = randomTensor(output.shape, seed: seed &+ 1000, low: 0.5, high: 1.5)
    let proj = projection.scalars
    func objective(_ xs: [Tensor]) -> Double {
        let y = withNoGrad { f(xs.map { Variable($0) }) }.value.scalars
        var s = 0.0
        for i in 0..<y.count { s += Double(y[i]) * Double(proj[i]) }
        return s
    }
    output.backward(seed: projection)
    var result = GradientCheckResult()
    var rng = RandomGenerator(seed: seed)
    for (which, input) in inputs.enumerated() {
        let analytic = variables[which].grad?.scalars ?? [Float](repeating: 0, count: input.count)
        XCTAssertEqual(analytic.count, input.count, "\(label): gradient size of input \(which)", file: file, line: line)
        let positions = input.count <= maxElements ? Array(0..<input.count)
                                                   : (0..<maxElements).map { _ in rng.nextInt(below: input.count) }
        for position in positions {
            var plus = inputs, minus = inputs
            plus[which][flat: position] += eps
            minus[which][flat: position] -= eps
            let numeric = (objective(plus) - objective(minus)) / Double(2 * eps)
            let error = Swift.abs(Double(analytic[position]) - numeric)
            if error > result.maxAbsoluteError {
                result.maxAbsoluteError = error
                result.worst = "input \(which) element \(position): analytic \(analytic[position]) numeric \(numeric)"
            }
            if failOnMismatch && !(error <= atol + rtol * Swift.abs(numeric)) {
                XCTFail("\(label): input \(which) \(input.shape) element \(position): analytic \(analytic[position]) vs numeric \(numeric)",
                        file: file, line: line)
                return result
            }
        }
    }
    return result
}
