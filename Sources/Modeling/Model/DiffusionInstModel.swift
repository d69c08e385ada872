// The DiffusionInst model (spec §1): backbone + FPN, the mask branch, the time MLP and the
// decoder stages. Training (`loss(batch:)`, spec §8.2 + §9) and inference (`predict(batch:)`,
// spec §10) are separate entry points; inference drives the Diffusion module's samplers
// through a per-image `Denoiser` adapter that reuses the image's features at every step.
import Foundation
import Tensor
import Autodiff
import NN
import Structures
import Diffusion
import Masks

public final class DiffusionInstModel: Module {
    public let configuration: DiffusionInstConfiguration
    public let features: FeaturePyramid
    public let maskBranch: MaskBranch
    public let timeEmbedding: TimeEmbedding
    public let stages: [DecoderStage]
    public let maskRepresentation: any MaskRepresentation
    public let diffusion: BoxDiffusion
    public let criterion: SetCriterion
    /// Draws training timesteps, placeholder boxes and q-sample noise (its state goes in checkpoints).
    public var trainingNoise: NoiseGenerator

    public init(configuration c: DiffusionInstConfiguration, seed: UInt64 = 40_244_023, schedule: any NoiseSchedule = CosineSchedule()) throws {
        try c.validate()
        configuration = c
        var generator = RandomGenerator(seed: seed)
        let representation = c.makeMaskRepresentation()
        maskRepresentation = representation
        features = FeaturePyramid(configuration: c, using: &generator)
        maskBranch = MaskBranch(inputChannels: c.fpnChannels, channels: c.maskBranchChannels, towerLayers: c.maskTowerLayers,
                                outputChannels: representation.featureChannels, using: &generator)
        timeEmbedding = TimeEmbedding(dimension: c.hiddenDimension, outputDimension: c.timeDimension, using: &generator)
        stages = (0..<c.stageCount).map { _ in DecoderStage(configuration: c, parameterCount: representation.parameterCount, using: &generator) }
        diffusion = BoxDiffusion(schedule: schedule, signalScale: c.signalScale, timestepExponent: c.timestepExponent)
        let matcher = c.makeMatcher()
        criterion = SetCriterion(configuration: c, matcher: matcher, maskRepresentation: representation)
        trainingNoise = NoiseGenerator(seed: seed ^ 0x5EED)
        super.init()
        precondition(c.fpnChannels == c.hiddenDimension, "the pooler feeds FPN features straight into the decoder: fpnChannels must equal hiddenDimension")
    }

    /// Runs every decoder stage from `boxes` (B·N×4 xyxy pixels) at per-image timesteps.
    /// Boxes are detached between stages; proposal features are not (spec §6.2).
    public func decode(pyramid: [Variable], boxes: Tensor, timesteps: [Int]) -> [StageOutput] {
        let time = timeEmbedding(timesteps: timesteps)
        var current = boxes
        var previous: Variable? = nil
        var outputs: [StageOutput] = []
        for stage in stages {
            let output = stage(features: pyramid, boxes: current, previous: previous, time: time, imageCount: timesteps.count)
            outputs.append(output)
            current = output.boxes.value
            previous = output.features
        }
        return outputs
    }

    /// Training loss of one batch (spec §8.2, §9). Throws when a term is not finite, naming it.
    public func loss(batch: ImageBatch) throws -> LossBreakdown {
        let pyramid = features(Variable(batch.images))
        let maskFeatures = maskBranch(pyramid)
        let (boxes, timesteps) = corruptedProposals(batch: batch)
        let outputs = decode(pyramid: pyramid, boxes: boxes, timesteps: timesteps)
        return try criterion(stages: outputs, maskFeatures: maskFeatures, batch: batch)
    }

    /// The decoder's training input (spec §8.2): (B·N)×4 noised, padded GT boxes and one t per image.
    public func corruptedProposals(batch: ImageBatch) -> (boxes: Tensor, timesteps: [Int]) {
        let n = configuration.proposalCount
        var boxes: [Float] = []
        var timesteps: [Int] = []
        for image in 0..<batch.count {
            let size = batch.imageSizes[image]
            let (noisy, t) = diffusion.corruptedProposals(groundTruth: batch.targets[image].boxes, imageWidth: Float(size.width),
                                                          imageHeight: Float(size.height), proposalCount: n, using: &trainingNoise)
            boxes += noisy.flatMap { [$0.x, $0.y, $0.z, $0.w] }
            timesteps.append(t)
        }
        return (Tensor(shape: [batch.count * n, 4], scalars: boxes), timesteps)
    }
}
