// Fully connected layers: `Linear` (PyTorch layout, weight out×in) and `MLP`, plus the
// `Activation` choice shared by layers that take one.

/// y = x·Wᵀ + b over the last axis. x [..., inputSize] → [..., outputSize].
public final class Linear: Module {
    public let weight: Parameter
    public let bias: Parameter?
    public let inputSize: Int, outputSize: Int

    /// Defaults match PyTorch's `nn.Linear`: weight and bias U(±1/√inputSize).
    public init(inputSize: Int, outputSize: Int, bias: Bool = true,
                weightInitializer: Initializer = .pytorchDefaultWeight, biasInitializer: Initializer? = nil,
                using rng: inout RandomGenerator) {
        self.inputSize = inputSize
        self.outputSize = outputSize
        weight = Parameter(weightInitializer([outputSize, inputSize], using: &rng))
        self.bias = bias ? Parameter((biasInitializer ?? .pytorchDefaultBias(fanIn: inputSize))([outputSize], using: &rng)) : nil
        super.init()
    }

    public func callAsFunction(_ x: Variable) -> Variable { linear(x, weight: weight, bias: bias) }
}

public enum Activation: String, Codable, Sendable {
    case identity, relu, gelu, silu, sigmoid, tanh, softplus

    public func callAsFunction(_ x: Variable) -> Variable {
        switch self {
        case .identity: return x
        case .relu: return x.relu()
        case .gelu: return x.gelu()
        case .silu: return x.silu()
        case .sigmoid: return x.sigmoid()
        case .tanh: return x.tanh()
        case .softplus: return x.softplus()
        }
    }
}

/// Linear layers of `sizes[0] → sizes[1] → … → sizes.last` with `activation` between them
/// (and after the last one only when `activateLast`).
public final class MLP: Module {
    public let layers: [Linear]
    public let activation: Activation
    public let activateLast: Bool

    public init(sizes: [Int], activation: Activation = .relu, activateLast: Bool = false,
                weightInitializer: Initializer = .pytorchDefaultWeight, using rng: inout RandomGenerator) {
        precondition(sizes.count >= 2, "MLP needs at least input and output sizes, got \(sizes)")
        var layers: [Linear] = []
        for i in 0..<(sizes.count - 1) {
            layers.append(Linear(inputSize: sizes[i], outputSize: sizes[i + 1], weightInitializer: weightInitializer, using: &rng))
        }
        self.layers = layers
        self.activation = activation
        self.activateLast = activateLast
        super.init()
    }

    public func callAsFunction(_ x: Variable) -> Variable {
        var h = x
        for (i, layer) in layers.enumerated() {
            h = layer(h)
            if i < layers.count - 1 || activateLast { h = activation(h) }
        }
        return h
    }
}
