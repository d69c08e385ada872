// Channel normalisation layers for N×C×H×W activations: BatchNorm2d (batch statistics while
// training, running statistics in evaluation, momentum 0.1), FrozenBatchNorm2d (a fixed affine: all
// four tensors are buffers) and GroupNorm. `ChannelNormalization` lets backbones pick one by config.
import Tensor
import Autodiff

/// A normalisation layer over the channel axis, chosen by `ChannelNormalizationKind`.
public protocol ChannelNormalization: Module {
    func callAsFunction(_ x: Variable) -> Variable
    /// ReLU(norm(x)); BatchNorm fuses the two.
    func withReLU(_ x: Variable) -> Variable
}

extension ChannelNormalization {
    public func withReLU(_ x: Variable) -> Variable { callAsFunction(x).relu() }
}

/// Which channel normalisation a backbone uses.
public enum ChannelNormalizationKind: Equatable, Sendable {
    case batchNorm
    case frozenBatchNorm
    case groupNorm(groups: Int)

    public func make(channels: Int) -> any ChannelNormalization {
        switch self {
        case .batchNorm: return BatchNorm2d(channels: channels)
        case .frozenBatchNorm: return FrozenBatchNorm2d(channels: channels)
        case .groupNorm(let groups): return GroupNorm(groups: groups, channels: channels)
        }
    }
}

public final class BatchNorm2d: Module, ChannelNormalization {
    public let weight: Parameter
    public let bias: Parameter
    public let runningMean: Buffer
    public let runningVariance: Buffer
    public let momentum: Float, eps: Float

    public init(channels: Int, momentum: Float = 0.1, eps: Float = 1e-5) {
        weight = Parameter(Tensor(shape: [channels], repeating: 1))
        bias = Parameter(Tensor(shape: [channels]))
        runningMean = Buffer(Tensor(shape: [channels]))
        runningVariance = Buffer(Tensor(shape: [channels], repeating: 1))
        (self.momentum, self.eps) = (momentum, eps)
        super.init()
    }

    /// Training: normalise by batch statistics and update the running ones; evaluation: running statistics.
    public func callAsFunction(_ x: Variable) -> Variable {
        batchNorm(x, weight: weight, bias: bias, runningMean: &runningMean.value, runningVariance: &runningVariance.value,
                  training: isTraining, momentum: momentum, eps: eps)
    }

    public func withReLU(_ x: Variable) -> Variable {
        batchNorm(x, weight: weight, bias: bias, runningMean: &runningMean.value, runningVariance: &runningVariance.value,
                  training: isTraining, momentum: momentum, eps: eps, relu: true)
    }
}

/// FrozenBatchNorm (spec §3): `y = (x − μ)/√(v + 1e-5)·γ + β`, nothing trainable.
public final class FrozenBatchNorm2d: Module, ChannelNormalization {
    public let weight: Buffer
    public let bias: Buffer
    public let runningMean: Buffer
    public let runningVariance: Buffer
    public let eps: Float

    public init(channels: Int, eps: Float = 1e-5) {
        weight = Buffer(Tensor(shape: [channels], repeating: 1))
        bias = Buffer(Tensor(shape: [channels]))
        runningMean = Buffer(Tensor(shape: [channels]))
        runningVariance = Buffer(Tensor(shape: [channels], repeating: 1 - eps))
        self.eps = eps
        super.init()
    }

    public func callAsFunction(_ x: Variable) -> Variable {
        frozenBatchNorm(x, weight: weight.value, bias: bias.value, runningMean: runningMean.value,
                        runningVariance: runningVariance.value, eps: eps)
    }
}

public final class GroupNorm: Module, ChannelNormalization {
    public let weight: Parameter
    public let bias: Parameter
    public let groups: Int, eps: Float

    public init(groups: Int, channels: Int, eps: Float = 1e-5) {
        precondition(groups >= 1 && channels % groups == 0, "GroupNorm: \(channels) channels not divisible into \(groups) groups")
        weight = Parameter(Tensor(shape: [channels], repeating: 1))
        bias = Parameter(Tensor(shape: [channels]))
        (self.groups, self.eps) = (groups, eps)
        super.init()
    }

    public func callAsFunction(_ x: Variable) -> Variable {
        groupNorm(x, groups: groups, weight: weight, bias: bias, eps: eps)
    }
}
