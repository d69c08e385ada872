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
    let gradients = parameters.compactMap(\.grad)
    // Fixed 4096-element blocks, each summed in 16 float lanes, then added in order in Double: the
    // result depends on neither the thread count nor the schedule (resumed runs stay bit-identical).
    let block = 4096
    var blocks: [(tensor: Int, start: Int)] = []
    for (index, g) in gradients.enumerated() {
        blocks += stride(from: 0, to: g.count, by: block).map { (index, $0) }
    }
    var partial = [Double](repeating: 0, count: blocks.count)
    partial.withUnsafeMutableBufferPointer { out in
        Parallel.forEachChunk(blocks.count, costPerItem: block) { r in
            for b in r {
                let (index, start) = blocks[b]
                out[b] = gradients[index].withUnsafePointer { squaredSum(of: $0 + start, count: min(block, gradients[index].count - start)) }
            }
        }
    }
    let total = partial.reduce(0, +)
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

/// Σ x² of `count` floats in 16 lanes (then lanes in order), as Double.
private func squaredSum(of x: UnsafePointer<Float>, count: Int) -> Double {
    var lanes = SIMD16<Float>(repeating: 0)
    var i = 0
    while i + 16 <= count {
        let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
        lanes += v * v
        i += 16
    }
    var sum = 0.0
    for lane in 0..<16 { sum += Double(lanes[lane]) }
    while i < count { sum += Double(x[i] * x[i]); i += 1 }
    return sum
}
