// The optimiser interface (named state for checkpoints) and global gradient-norm clipping.
@_exported import NN
import Foundation

public protocol Optimizer: AnyObject {
    /// The rate used by the next `step()`; schedules set it before each step.
    var learningRate: Float { get set }
    /// Number of `step()` calls so far.
    var stepCount: Int { get }
    /// Updates every parameter that has a gradient.
    func step()
    /// Optimiser state by name ("step", "<parameter>.momentum", "<parameter>.expAvg", …).
    func stateDict() -> [String: Tensor]
    /// Restores state written by `stateDict()`; errors name the missing or mis-shaped entry.
    func loadState(_ state: [String: Tensor]) throws
}

extension Optimizer {
    public func zeroGrad(_ parameters: [Parameter]) { for p in parameters { p.grad = nil } }
}

public enum OptimizerStateError: Error, CustomStringConvertible {
    case missing(String), shapeMismatch(String, expected: [Int], found: [Int])
    public var description: String {
        switch self {
        case .missing(let name): return "optimizer state has no entry \"\(name)\""
        case .shapeMismatch(let name, let e, let f): return "optimizer state \"\(name)\": expected shape \(e), found \(f)"
        }
    }
}

/// Reads a named state tensor with a shape check (shared by the optimisers).
func stateTensor(_ state: [String: Tensor], _ name: String, shape: [Int]) throws -> Tensor {
    guard let t = state[name] else { throw OptimizerStateError.missing(name) }
    guard t.shape == shape else { throw OptimizerStateError.shapeMismatch(name, expected: shape, found: t.shape) }
    return t
}

/// Names parameters by position when the caller has no module names.
func indexNamed(_ parameters: [Parameter]) -> [(String, Parameter)] {
    parameters.enumerated().map { ("\($0.offset)", $0.element) }
}

/// Scales all gradients so that their global L2 norm is at most `maxNorm` (PyTorch
/// `clip_grad_norm_`: coefficient maxNorm/(norm + 1e-6), applied only when below 1).
/// Returns the norm before clipping. Parameters without a gradient are skipped.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    var total = 0.0
    for p in parameters {
        guard let g = p.grad else { continue }
        g.withUnsafePointer { pg in
            var s: Float = 0
            var chunk = 0.0
            for i in 0..<g.count {
                s += pg[i] * pg[i]
                if i & 4095 == 4095 { chunk += Double(s); s = 0 }
            }
            total += chunk + Double(s)
        }
    }
    let norm = Float(total.squareRoot())
    let coefficient = maxNorm / (norm + 1e-6)
    if coefficient < 1 {
        for p in parameters where p.grad != nil {
            var g = p.grad!
            p.grad = nil
            let n = g.count
            g.withUnsafeMutablePointer { pg in
                Parallel.forEachChunk(n) { r in for i in r { pg[i] *= coefficient } }
            }
            p.grad = g
        }
    }
    return norm
}
