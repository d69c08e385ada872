// Parameter initialisers with PyTorch's fan conventions (fan_in = shape[1]·receptive field,
// fan_out = shape[0]·receptive field) and the focal-loss prior-probability bias.
import Foundation

public struct Initializer {
    public let make: (_ shape: [Int], _ rng: inout RandomGenerator) -> Tensor

    public init(_ make: @escaping (_ shape: [Int], _ rng: inout RandomGenerator) -> Tensor) { self.make = make }

    public func callAsFunction(_ shape: [Int], using rng: inout RandomGenerator) -> Tensor { make(shape, &rng) }

    /// (fan_in, fan_out) as `torch.nn.init._calculate_fan_in_and_fan_out`.
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        if shape.count < 2 { let n = shape.first ?? 1; return (n, n) }
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// U(±gain·√(3/fan)), gain = √(2/(1+a²)) (leaky-ReLU gain; a = 0 is ReLU).
    public static func kaimingUniform(a: Float = 0, fanOut: Bool = false) -> Initializer {
        Initializer { shape, rng in
            let f = fans(shape), fan = Float(fanOut ? f.fanOut : f.fanIn)
            let bound = (2 / (1 + a * a)).squareRoot() * (3 / fan).squareRoot()
            return Tensor.randomUniform(shape: shape, low: -bound, high: bound, using: &rng)
        }
    }
    public static var kaimingUniform: Initializer { kaimingUniform() }

    /// N(0, gain/√fan), gain = √(2/(1+a²)).
    public static func kaimingNormal(a: Float = 0, fanOut: Bool = false) -> Initializer {
        Initializer { shape, rng in
            let f = fans(shape), fan = Float(fanOut ? f.fanOut : f.fanIn)
            return Tensor.randomNormal(shape: shape, std: (2 / (1 + a * a)).squareRoot() / fan.squareRoot(), using: &rng)
        }
    }
    public static var kaimingNormal: Initializer { kaimingNormal() }

    /// U(±gain·√(6/(fan_in+fan_out))).
    public static func xavierUniform(gain: Float = 1) -> Initializer {
        Initializer { shape, rng in
            let f = fans(shape)
            let bound = gain * (6 / Float(f.fanIn + f.fanOut)).squareRoot()
            return Tensor.randomUniform(shape: shape, low: -bound, high: bound, using: &rng)
        }
    }
    public static var xavierUniform: Initializer { xavierUniform() }

    /// N(0, gain·√(2/(fan_in+fan_out))).
    public static func xavierNormal(gain: Float = 1) -> Initializer {
        Initializer { shape, rng in
            let f = fans(shape)
            return Tensor.randomNormal(shape: shape, std: gain * (2 / Float(f.fanIn + f.fanOut)).squareRoot(), using: &rng)
        }
    }
    public static var xavierNormal: Initializer { xavierNormal() }

    public static func normal(mean: Float = 0, std: Float) -> Initializer {
        Initializer { shape, rng in Tensor.randomNormal(shape: shape, mean: mean, std: std, using: &rng) }
    }
    public static func uniform(low: Float, high: Float) -> Initializer {
        Initializer { shape, rng in Tensor.randomUniform(shape: shape, low: low, high: high, using: &rng) }
    }
    public static func constant(_ value: Float) -> Initializer { Initializer { shape, _ in Tensor(shape: shape, repeating: value) } }
    public static var zeros: Initializer { constant(0) }
    public static var ones: Initializer { constant(1) }

    /// PyTorch's default Linear/Conv weight init: kaiming-uniform with a = √5, i.e. U(±1/√fan_in).
    public static var pytorchDefaultWeight: Initializer { kaimingUniform(a: Float(5).squareRoot()) }
    /// PyTorch's default Linear/Conv bias init: U(±1/√fan_in) with the weight's fan_in.
    public static func pytorchDefaultBias(fanIn: Int) -> Initializer {
        let bound = 1 / Float(Swift.max(fanIn, 1)).squareRoot()
        return uniform(low: -bound, high: bound)
    }

    /// Bias b with σ(b) = p, i.e. b = −log((1−p)/p) (focal-loss prior; p = 0.01 gives ≈ −4.595).
    public static func priorProbabilityBias(_ probability: Float) -> Initializer {
        constant(priorProbabilityBiasValue(probability))
    }
    public static func priorProbabilityBiasValue(_ probability: Float) -> Float {
        precondition(probability > 0 && probability < 1, "prior probability must lie in (0, 1), got \(probability)")
        return -Foundation.log((1 - probability) / probability)
    }
}
