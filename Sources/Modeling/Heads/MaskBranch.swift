// The mask branch (spec §5): refine blocks on P2, P3, P4 (by position, as the official code does),
// aligned-bilinear upsampling of the coarser two to stride 4, a sum, a tower of 3×3 conv + BN +
// ReLU blocks and a 1×1 projection to the mask-feature channels. Computed once per image.
import Tensor
import Autodiff
import NN

/// conv 3×3 (no bias) → BatchNorm2d (momentum 0.1, eps 1e-5) → ReLU.
public final class ConvNormReLU: Module {
    public let weight: Parameter
    public let norm: BatchNorm2d

    public init(_ inputChannels: Int, _ outputChannels: Int, using generator: inout RandomGenerator) {
        weight = Parameter(HeadInitialization.xavierUniform(shape: [outputChannels, inputChannels, 3, 3], using: &generator))
        norm = BatchNorm2d(channels: outputChannels)
        super.init()
    }

    public func callAsFunction(_ x: Variable) -> Variable {
        norm.withReLU(conv2d(x, weight: weight, bias: nil, stride: 1, padding: 1))
    }
}

public final class MaskBranch: Module {
    public let refine: [ConvNormReLU]
    public let tower: [ConvNormReLU]
    public let outputWeight: Parameter
    public let outputBias: Parameter

    public init(inputChannels: Int, channels: Int, towerLayers: Int, outputChannels: Int, using generator: inout RandomGenerator) {
        refine = (0..<3).map { _ in ConvNormReLU(inputChannels, channels, using: &generator) }
        tower = (0..<towerLayers).map { _ in ConvNormReLU(channels, channels, using: &generator) }
        outputWeight = Parameter(HeadInitialization.xavierUniform(shape: [outputChannels, channels, 1, 1], using: &generator))
        outputBias = Parameter(HeadInitialization.defaultBias(count: outputChannels, fanIn: channels, using: &generator))
        super.init()
    }

    /// features: [P2, P3, P4, P5] (B×C×H×W) → B×outputChannels×(Hp/4)×(Wp/4).
    public func callAsFunction(_ features: [Variable]) -> Variable {
        var sum = refine[0](features[0])
        for level in 1..<3 {
            sum = sum + alignedBilinearUpsample(refine[level](features[level]), factor: 1 << level)
        }
        for block in tower { sum = block(sum) }
        return conv2d(sum, weight: outputWeight, bias: outputBias, stride: 1, padding: 0)
    }
}
