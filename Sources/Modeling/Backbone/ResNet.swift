// ResNet trunk (spec §3): stem conv 7×7/2 → norm → ReLU → max-pool 3×3/2, then res2..res5.
// BasicBlock for depths 18/34, Bottleneck (stride on the 3×3, torchvision v1.5) for 50; a width
// multiplier scales every channel count; the normalisation is BatchNorm, FrozenBatchNorm or GroupNorm.
// Convolutions carry their norm as `norm`, so names read like detectron2's ("res2.0.conv1.norm.weight").
import Tensor
import Autodiff
import NN

/// A bias-free convolution followed by a channel normalisation (detectron2's Conv2d with `norm`).
public final class NormalizedConv2d: Module {
    public let weight: Parameter
    public let norm: any ChannelNormalization
    public let stride: Int, padding: Int

    init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, normalization: ChannelNormalizationKind,
         using random: inout RandomGenerator) {
        // Kaiming-normal, fan-out, ReLU gain (c2_msra_fill / torchvision ResNet init).
        let std = (2 / Float(outChannels * kernelSize * kernelSize)).squareRoot()
        weight = Parameter(Tensor.randomNormal(shape: [outChannels, inChannels, kernelSize, kernelSize], mean: 0, std: std, using: &random))
        norm = normalization.make(channels: outChannels)
        (self.stride, self.padding) = (stride, kernelSize / 2)
        super.init()
    }

    public func callAsFunction(_ x: Variable) -> Variable {
        norm(conv2d(x, weight: weight, bias: nil, stride: stride, padding: padding))
    }

    /// ReLU(norm(conv(x))), the norm and the ReLU fused where the norm supports it.
    public func withReLU(_ x: Variable) -> Variable {
        norm.withReLU(conv2d(x, weight: weight, bias: nil, stride: stride, padding: padding))
    }

    /// Multiply-accumulates for an input of `height × width` (returns the output size too).
    func multiplyAccumulates(height: Int, width: Int) -> (macs: Int, height: Int, width: Int) {
        let k = weight.shape[2], outH = (height + 2 * padding - k) / stride + 1, outW = (width + 2 * padding - k) / stride + 1
        return (outH * outW * weight.shape[0] * weight.shape[1] * k * k, outH, outW)
    }
}

/// A residual block: `relu(body(x) + shortcut(x))`.
public class ResidualBlock: Module {
    public func callAsFunction(_ x: Variable) -> Variable { fatalError("ResidualBlock is abstract") }
    func multiplyAccumulates(height: Int, width: Int) -> (macs: Int, height: Int, width: Int) { fatalError("abstract") }
}

/// Two 3×3 convolutions (ResNet-18/34).
public final class BasicBlock: ResidualBlock {
    public let conv1: NormalizedConv2d
    public let conv2: NormalizedConv2d
    public let shortcut: NormalizedConv2d?

    init(_ inChannels: Int, _ outChannels: Int, stride: Int, normalization: ChannelNormalizationKind, using random: inout RandomGenerator) {
        conv1 = NormalizedConv2d(inChannels, outChannels, kernelSize: 3, stride: stride, normalization: normalization, using: &random)
        conv2 = NormalizedConv2d(outChannels, outChannels, kernelSize: 3, normalization: normalization, using: &random)
        shortcut = stride != 1 || inChannels != outChannels
            ? NormalizedConv2d(inChannels, outChannels, kernelSize: 1, stride: stride, normalization: normalization, using: &random) : nil
        super.init()
    }

    public override func callAsFunction(_ x: Variable) -> Variable {
        let body = conv2(conv1.withReLU(x))
        return addReLU(body, shortcut.map { $0(x) } ?? x)
    }

    override func multiplyAccumulates(height: Int, width: Int) -> (macs: Int, height: Int, width: Int) {
        let a = conv1.multiplyAccumulates(height: height, width: width), b = conv2.multiplyAccumulates(height: a.height, width: a.width)
        return (a.macs + b.macs + (shortcut?.multiplyAccumulates(height: height, width: width).macs ?? 0), b.height, b.width)
    }
}

/// 1×1 reduce → 3×3 (carrying the stride) → 1×1 expand (ResNet-50).
public final class BottleneckBlock: ResidualBlock {
    public let conv1: NormalizedConv2d
    public let conv2: NormalizedConv2d
    public let conv3: NormalizedConv2d
    public let shortcut: NormalizedConv2d?

    init(_ inChannels: Int, bottleneck: Int, _ outChannels: Int, stride: Int, normalization: ChannelNormalizationKind,
         using random: inout RandomGenerator) {
        conv1 = NormalizedConv2d(inChannels, bottleneck, kernelSize: 1, normalization: normalization, using: &random)
        conv2 = NormalizedConv2d(bottleneck, bottleneck, kernelSize: 3, stride: stride, normalization: normalization, using: &random)
        conv3 = NormalizedConv2d(bottleneck, outChannels, kernelSize: 1, normalization: normalization, using: &random)
        shortcut = stride != 1 || inChannels != outChannels
            ? NormalizedConv2d(inChannels, outChannels, kernelSize: 1, stride: stride, normalization: normalization, using: &random) : nil
        super.init()
    }

    public override func callAsFunction(_ x: Variable) -> Variable {
        let body = conv3(conv2.withReLU(conv1.withReLU(x)))
        return addReLU(body, shortcut.map { $0(x) } ?? x)
    }

    override func multiplyAccumulates(height: Int, width: Int) -> (macs: Int, height: Int, width: Int) {
        let a = conv1.multiplyAccumulates(height: height, width: width)
        let b = conv2.multiplyAccumulates(height: a.height, width: a.width), c = conv3.multiplyAccumulates(height: b.height, width: b.width)
        return (a.macs + b.macs + c.macs + (shortcut?.multiplyAccumulates(height: height, width: width).macs ?? 0), c.height, c.width)
    }
}

/// The stem: conv 7×7/2 (no bias) → norm → ReLU → max-pool 3×3/2, pad 1.
public final class ResNetStem: Module {
    public let conv1: NormalizedConv2d

    init(outChannels: Int, normalization: ChannelNormalizationKind, using random: inout RandomGenerator) {
        conv1 = NormalizedConv2d(3, outChannels, kernelSize: 7, stride: 2, normalization: normalization, using: &random)
        super.init()
    }

    public func callAsFunction(_ x: Variable) -> Variable { maxPool2d(conv1.withReLU(x), kernel: 3, stride: 2, padding: 1) }
}

/// res2..res5 feature maps (strides 4, 8, 16, 32).
public struct ResNetFeatures {
    public let res2, res3, res4, res5: Variable
    public var all: [Variable] { [res2, res3, res4, res5] }
}

public final class ResNet: Module {
    public let stem: ResNetStem
    public let res2: [ResidualBlock]
    public let res3: [ResidualBlock]
    public let res4: [ResidualBlock]
    public let res5: [ResidualBlock]
    /// Output channels of res2..res5.
    public let outChannels: [Int]
    /// Frozen stages (detectron2's FREEZE_AT): 0 none, 1 the stem, 2 stem + res2, … 5 everything.
    public private(set) var frozenStages = 0

    /// - Parameters: `depth` 18, 34 or 50; `widthMultiplier` scales the base width 64 (stem and stages).
    public init(depth: Int, widthMultiplier: Float = 1, normalization: ChannelNormalizationKind = .batchNorm,
                using random: inout RandomGenerator) {
        let blocks: [Int], bottleneck: Bool
        switch depth {
        case 18: (blocks, bottleneck) = ([2, 2, 2, 2], false)
        case 34: (blocks, bottleneck) = ([3, 4, 6, 3], false)
        case 50: (blocks, bottleneck) = ([3, 4, 6, 3], true)
        default: preconditionFailure("ResNet: depth \(depth) is not one of 18, 34, 50")
        }
        let base = max(1, Int((64 * widthMultiplier).rounded()))
        if case .groupNorm(let groups) = normalization {
            precondition(base % groups == 0, "ResNet: base width \(base) not divisible by \(groups) GroupNorm groups")
        }
        stem = ResNetStem(outChannels: base, normalization: normalization, using: &random)
        var stages: [[ResidualBlock]] = [], channels = base, widths: [Int] = []
        for (index, count) in blocks.enumerated() {
            let width = base << index, out = bottleneck ? width * 4 : width
            var stage: [ResidualBlock] = []
            for b in 0..<count {
                let stride = b == 0 && index > 0 ? 2 : 1
                stage.append(bottleneck
                    ? BottleneckBlock(channels, bottleneck: width, out, stride: stride, normalization: normalization, using: &random)
                    : BasicBlock(channels, out, stride: stride, normalization: normalization, using: &random))
                channels = out
            }
            stages.append(stage)
            widths.append(out)
        }
        (res2, res3, res4, res5, outChannels) = (stages[0], stages[1], stages[2], stages[3], widths)
        super.init()
    }

    /// Freezes the first `stages` parts (stem, res2, res3, res4, res5): they keep their weights and
    /// running statistics, and no gradient flows into them (their outputs are detached).
    public func freeze(stages: Int) {
        precondition((0...5).contains(stages), "ResNet: frozen stages \(stages) is not in 0...5")
        frozenStages = stages
        let parts: [[Module]] = [[stem], res2, res3, res4, res5]
        for part in parts.prefix(stages) { for module in part { module.freeze() } }
    }

    /// images N×3×H×W → res2..res5.
    public func callAsFunction(_ images: Variable) -> ResNetFeatures {
        func run(_ blocks: [ResidualBlock], _ x: Variable, part: Int) -> Variable {
            let y = blocks.reduce(x) { $1($0) }
            return part <= frozenStages ? y.detached() : y
        }
        var x = stem(images)
        if frozenStages >= 1 { x = x.detached() }
        let c2 = run(res2, x, part: 2), c3 = run(res3, c2, part: 3), c4 = run(res4, c3, part: 4)
        return ResNetFeatures(res2: c2, res3: c3, res4: c4, res5: run(res5, c4, part: 5))
    }

    /// Forward multiply-accumulates per image of `height × width` (convolutions only).
    public func multiplyAccumulates(height: Int, width: Int) -> Int {
        var (macs, h, w) = stem.conv1.multiplyAccumulates(height: height, width: width)
        (h, w) = ((h + 2 - 3) / 2 + 1, (w + 2 - 3) / 2 + 1)
        for block in res2 + res3 + res4 + res5 {
            let r = block.multiplyAccumulates(height: h, width: w)
            (macs, h, w) = (macs + r.macs, r.height, r.width)
        }
        return macs
    }
}
