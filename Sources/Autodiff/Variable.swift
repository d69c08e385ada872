// Reverse-mode automatic differentiation: a `Variable` wraps a `Tensor` value and, when it was
// produced by an op while gradients are enabled, the op's inputs and a pullback closure.
// `backward()` visits nodes in reverse topological order, accumulates gradients, and then
// releases every pullback so the tape's memory is freed.
import Tensor

public class Variable {
    public var value: Tensor
    /// Accumulated gradient (same shape as `value`); set by `backward()` on nodes that require grad.
    public var grad: Tensor?
    /// True for trainable leaves and for any node computed from one while recording.
    public let requiresGrad: Bool
    /// Human-readable op name, used in error messages and debugging.
    public let op: String
    var inputs: [Variable]
    /// Maps the output gradient to one gradient per input (nil where an input needs none).
    var pullback: ((Tensor) -> [Tensor?])?

    /// A leaf: a parameter (`requiresGrad: true`) or a constant input.
    public init(_ value: Tensor, requiresGrad: Bool = false) {
        self.value = value
        self.requiresGrad = requiresGrad
        self.op = "leaf"
        self.inputs = []
        self.pullback = nil
    }

    init(value: Tensor, op: String, inputs: [Variable], pullback: @escaping (Tensor) -> [Tensor?]) {
        self.value = value
        self.requiresGrad = true
        self.op = op
        self.inputs = inputs
        self.pullback = pullback
    }

    public var shape: [Int] { value.shape }

    /// Records an op's result. The pullback is kept only when gradients are enabled and some input
    /// requires grad; otherwise the result is a constant and nothing is recorded.
    public static func record(_ value: Tensor, op: String, inputs: [Variable],
                              pullback: @escaping (Tensor) -> [Tensor?]) -> Variable {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return Variable(value) }
        return Variable(value: value, op: op, inputs: inputs, pullback: pullback)
    }

    /// A constant copy that stops gradients.
    public func detached() -> Variable { Variable(value) }

    /// A constant input (does not require grad).
    public convenience init(constant value: Tensor) { self.init(value, requiresGrad: false) }

    /// Forgets the accumulated gradient.
    public func zeroGrad() { grad = nil }

    public var count: Int { value.count }
    public var rank: Int { value.rank }

    /// Back-propagates from this node (a scalar unless `seed` is given), accumulating into `grad`
    /// of every node that requires grad, then frees the recorded graph.
    public func backward(seed: Tensor? = nil) {
        precondition(requiresGrad, "backward() on a value that does not require grad")
        let seedGrad = seed ?? Tensor(shape: value.shape, repeating: 1)
        precondition(seedGrad.shape == value.shape, "seed shape \(seedGrad.shape) != value shape \(value.shape)")
        let order = topologicalOrder()
        Variable.accumulate(seedGrad, into: self)
        for node in order.reversed() {
            // Interior nodes drop their gradient and closure as soon as they are used: the tape's memory goes.
            guard let pullback = node.pullback else { continue }
            defer { node.pullback = nil; node.inputs = []; node.grad = nil }
            guard let g = node.grad else { continue }
            let inputGrads = pullback(g)
            precondition(inputGrads.count == node.inputs.count, "\(node.op): pullback returned \(inputGrads.count) grads")
            for (input, ig) in zip(node.inputs, inputGrads) where input.requiresGrad {
                if let ig {
                    precondition(ig.count == input.value.count, "\(node.op): gradient shape \(ig.shape) for input \(input.shape)")
                    Variable.accumulate(ig.shape == input.value.shape ? ig : ig.reshaped(input.value.shape), into: input)
                }
            }
        }
    }

    private static func accumulate(_ g: Tensor, into node: Variable) {
        if var existing = node.grad {
            node.grad = nil
            existing.withUnsafeMutablePointer { dst in
                g.withUnsafePointer { src in for i in 0..<g.count { dst[i] += src[i] } }
            }
            node.grad = existing
        } else {
            node.grad = g
        }
    }

    /// Nodes reachable from `self` through recorded inputs, inputs before users (iterative DFS).
    private func topologicalOrder() -> [Variable] {
        var order: [Variable] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Variable, Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            if !visited.insert(ObjectIdentifier(node)).inserted { continue }
            stack.append((node, true))
            for input in node.inputs where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        return order
    }
}

/// Whether ops record a graph. Inference runs inside `withNoGrad` and records nothing.
/// The engine's autodiff is single-threaded: grad mode is per process, not per thread.
public enum GradMode {
    nonisolated(unsafe) public private(set) static var isEnabled = true

    public static func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
        let previous = isEnabled
        isEnabled = false
        defer { isEnabled = previous }
        return try body()
    }
}

public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R { try GradMode.withNoGrad(body) }
