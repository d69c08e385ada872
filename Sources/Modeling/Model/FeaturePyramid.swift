// Backbone + FPN as one module producing [P2, P3, P4, P5] (spec §3). The ResNet and FPN layers
// themselves are the engine-vision engineer's (Backbone/ResNet.swift, Backbone/FPN.swift).
import Tensor
import Autodiff
import NN

public final class FeaturePyramid: Module {
    public let backbone: ResNet
    public let fpn: FPN

    public init(configuration c: DiffusionInstConfiguration, using generator: inout RandomGenerator) {
        let normalization: ChannelNormalizationKind
        switch c.backboneNorm {
        case .batchNorm: normalization = .batchNorm
        case .frozenBatchNorm: normalization = .frozenBatchNorm
        case .groupNorm: normalization = .groupNorm(groups: 32)
        }
        let resnet = ResNet(depth: c.resnetDepth, widthMultiplier: c.backboneWidthMultiplier, normalization: normalization, using: &generator)
        resnet.freeze(stages: c.frozenBackboneStages)
        backbone = resnet
        fpn = FPN(inChannels: backbone.outChannels, outChannels: c.fpnChannels, using: &generator)
        super.init()
    }

    /// images B×3×Hp×Wp → P2..P5.
    public func callAsFunction(_ images: Variable) -> [Variable] { fpn(backbone(images).all) }
}
