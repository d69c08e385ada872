// The decoder's dense building blocks with the head initialisation of spec §12 built in:
// Xavier-uniform matrices, PyTorch-default U(±1/√fan_in) biases, LayerNorm weight 1 / bias 0.
// Parameter names follow PyTorch (weight out×in, bias) so converted checkpoints map one to one.
import Tensor
import Autodiff
import NN
import Foundation

/// y = x·Wᵀ + b over the last axis; W is out×in.
public final class DenseLayer: Module {
    public let weight: Parameter
    public let bias: Parameter?

    public init(_ inputSize: Int, _ outputSize: Int, bias hasBias: Bool = true, using generator: inout RandomGenerator) {
        weight = Parameter(HeadInitialization.xavierUniform(shape: [outputSize, inputSize], using: &generator))
        bias = hasBias ? Parameter(HeadInitialization.defaultBias(count: outputSize, fanIn: inputSize, using: &generator)) : nil
        super.init()
    }

    /// All-zero weight and bias (an added branch that starts as the identity of the sum).
    public init(zerosFrom inputSize: Int, to outputSize: Int) {
        weight = Parameter(Tensor(shape: [outputSize, inputSize], repeating: 0))
        bias = Parameter(Tensor(shape: [outputSize], repeating: 0))
        super.init()
    }

    public func callAsFunction(_ x: Variable) -> Variable {
        if x.shape.count == 2 { return linear(x, weight: weight, bias: bias) }
        let features = x.shape.last!
        let rows = x.count / features
        return linear(x.reshaped([rows, features]), weight: weight, bias: bias).reshaped(Array(x.shape.dropLast()) + [weight.shape[0]])
    }
}

/// LayerNorm over the last axis (eps 1e-5), weight 1 and bias 0 at start.
public final class LayerNormalization: Module {
    public let weight: Parameter
    public let bias: Parameter

    public init(_ size: Int) {
        weight = Parameter(Tensor(shape: [size], repeating: 1))
        bias = Parameter(Tensor(shape: [size], repeating: 0))
        super.init()
    }

    public func callAsFunction(_ x: Variable) -> Variable { layerNorm(x, weight: weight, bias: bias, eps: 1e-5) }

    /// ReLU(LN(x)) in one fused op.
    public func withReLU(_ x: Variable) -> Variable { layerNorm(x, weight: weight, bias: bias, eps: 1e-5, relu: true) }
}

/// One tower layer: ReLU(LN(Lin⁰(x))) (spec §6.2 steps 7–8).
public final class TowerLayer: Module {
    public let linear: DenseLayer
    public let norm: LayerNormalization

    public init(_ size: Int, using generator: inout RandomGenerator) {
        linear = DenseLayer(size, size, bias: false, using: &generator)
        norm = LayerNormalization(size)
        super.init()
    }

    public func callAsFunction(_ x: Variable) -> Variable { norm.withReLU(linear(x)) }
}

public enum HeadInitialization {
    /// Xavier-uniform: U(±√(6/(fan_in + fan_out))), fans from out×in×(kernel…).
    public static func xavierUniform(shape: [Int], using generator: inout RandomGenerator) -> Tensor {
        let receptive = shape.dropFirst(2).reduce(1, *)
        let fanIn = shape[1] * receptive, fanOut = shape[0] * receptive
        let bound = Float((6.0 / Double(fanIn + fanOut)).squareRoot())
        return Tensor.randomUniform(shape: shape, low: -bound, high: bound, using: &generator)
    }

    /// PyTorch's default Linear/Conv bias: U(±1/√fan_in).
    public static func defaultBias(count: Int, fanIn: Int, using generator: inout RandomGenerator) -> Tensor {
        let bound = 1 / Float(fanIn).squareRoot()
        return Tensor.randomUniform(shape: [count], low: -bound, high: bound, using: &generator)
    }

    /// −ln((1 − π)/π): the focal-loss prior bias (≈ −4.5951 for π = 0.01).
    public static func priorBias(_ probability: Float) -> Float { -Foundation.log((1 - probability) / probability) }
}
