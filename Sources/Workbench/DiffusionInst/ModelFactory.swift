// Config keys → DiffusionInst components: the model configuration, the noise schedule and the
// sampling options. Part of the composition root (the one place config becomes code).
import Foundation
import Diffusion
import Masks
import Modeling

public enum DiffusionInstFactory {
    public static func configuration(_ config: ResolvedConfig) throws -> DiffusionInstConfiguration {
        var c = DiffusionInstConfiguration()
        guard let depth = Int(config.string("model.backbone.name").dropFirst("resnet".count)) else {
            throw TaskError("model.backbone.name '\(config.string("model.backbone.name"))' is not resnet18/34/50")
        }
        c.resnetDepth = depth
        c.backboneWidthMultiplier = Float(config.double("model.backbone.width_multiplier"))
        switch config.string("model.backbone.norm") {
        case "batchnorm": c.backboneNorm = .batchNorm
        case "groupnorm": c.backboneNorm = .groupNorm
        default: c.backboneNorm = .frozenBatchNorm
        }
        c.frozenBackboneStages = config.int("model.backbone.frozen_stages")
        c.fpnChannels = config.int("model.fpn.channels")
        c.maskBranchChannels = config.int("model.mask_branch.channels")
        c.maskTowerLayers = config.int("model.mask_branch.conv_layers")
        let filterChannels = config.int("mask.filter_channels")
        c.maskHead = DynamicFilterShape(featureChannels: config.int("model.mask_branch.out_channels"),
                                        hiddenChannels: Array(repeating: filterChannels, count: max(0, config.int("mask.filter_layers") - 1)),
                                        relativeCoordinates: config.bool("mask.relative_coordinates"))
        switch config.string("mask.representation") {
        case "dynamic_filters": c.maskRepresentation = .dynamicFilters
        case "box": c.maskRepresentation = .boxMasks
        case let other: throw TaskError("mask.representation '\(other)' is not implemented for task diffusioninst (use dynamic_filters or box)")
        }
        c.hiddenDimension = config.int("model.decoder.hidden_dim")
        c.stageCount = config.int("model.decoder.stages")
        c.attentionHeads = config.int("model.decoder.heads")
        c.feedForwardDimension = config.int("model.decoder.feedforward")
        c.dynamicDimension = config.int("model.decoder.dynamic_dim")
        c.classTowerLayers = config.int("model.decoder.class_tower")
        c.regressionTowerLayers = config.int("model.decoder.regression_tower")
        c.boxEmbedding = config.bool("model.decoder.box_embedding")
        c.poolerResolution = config.int("model.decoder.roi_size")
        c.poolerSamplingRatio = config.int("model.decoder.roi_sampling_ratio")
        c.priorProbability = Float(config.double("model.decoder.prior_prob"))
        c.classCount = config.int("model.classes")
        c.proposalCount = config.int("model.proposals")
        c.timesteps = config.int("diffusion.timesteps")
        c.signalScale = Float(config.double("diffusion.signal_scale"))
        c.timestepExponent = config.double("diffusion.timestep_exponent")
        c.matcher = config.string("matcher.kind") == "hungarian" ? .hungarian : .dynamicK
        c.matchCostClass = Float(config.double("matcher.cost_class"))
        c.matchCostL1 = Float(config.double("matcher.cost_l1"))
        c.matchCostGIoU = Float(config.double("matcher.cost_giou"))
        c.matchCandidates = config.int("matcher.ota_k")
        c.deepSupervision = config.bool("model.decoder.deep_supervision")
        c.classWeight = Float(config.double("loss.class_weight"))
        c.l1Weight = Float(config.double("loss.l1_weight"))
        c.giouWeight = Float(config.double("loss.giou_weight"))
        c.maskWeight = Float(config.double("loss.mask_weight"))
        c.focalAlpha = Float(config.double("loss.focal_alpha"))
        c.focalGamma = Float(config.double("loss.focal_gamma"))
        try rejectUnimplemented(config)
        if config.string("diffusion.objective") != "pred_x0" || config.string("diffusion.target") != "boxes" || config.bool("diffusion.self_conditioning") {
            throw TaskError("task diffusioninst implements diffusion.objective = pred_x0, diffusion.target = boxes, no self-conditioning (the official code)")
        }
        try c.validate()
        return c
    }

    /// Keys the schema documents whose other values this task does not implement: a sweep over them
    /// must fail loudly rather than train the same model under different names.
    static func rejectUnimplemented(_ config: ResolvedConfig) throws {
        func only<T: Equatable>(_ key: String, _ value: T, _ implemented: T, _ hint: String) throws {
            if value != implemented { throw TaskError("\(key) = \(value) is not implemented for task diffusioninst (\(hint))") }
        }
        try only("model.decoder.dropout", config.double("model.decoder.dropout"), 0, "only 0, the official value")
        try only("model.decoder.dynamic_layers", config.int("model.decoder.dynamic_layers"), 2, "only 2, the official value")
        try only("mask.stride", config.int("mask.stride"), 4, "the mask features are at stride 4, as in the official code")
        try only("mask.upsampling", config.string("mask.upsampling"), "aligned_bilinear", "only CondInst's aligned bilinear")
        try only("model.backbone.pretrained", config.string("model.backbone.pretrained"), "",
                 "convert the weights into a checkpoint and start from it with init_from")
        try only("deterministic", config.bool("deterministic"), true, "the engine's reductions always run in a fixed order")
    }

    public static func schedule(_ config: ResolvedConfig) -> any NoiseSchedule {
        let t = config.int("diffusion.timesteps")
        switch config.string("diffusion.schedule") {
        case "linear": return LinearSchedule(timesteps: t)
        case "sigmoid": return SigmoidSchedule(timesteps: t)
        default: return CosineSchedule(timesteps: t, offset: config.double("diffusion.cosine_s"))
        }
    }

    /// Inference options for `steps` sampling steps.
    public static func inference(_ config: ResolvedConfig, steps: Int) -> InferenceOptions {
        var o = InferenceOptions()
        o.steps = steps
        switch config.string("sampler.kind") {
        case "ddpm": o.sampler = DDPMSampler()
        case "one_step": o.sampler = OneStepSampler()
        case "heun": o.sampler = DPMSolverSampler()  // the ODE-solver choice: DPM-Solver++(2M)
        default: o.sampler = DDIMSampler(eta: config.double("sampler.eta"))
        }
        o.renewal = config.bool("sampler.renewal") ? ThresholdRenewal(threshold: Float(config.double("sampler.renewal_threshold"))) : NoRenewal()
        o.ensemble = config.bool("sampler.ensemble") ? StepUnion(includeLastStep: config.bool("sampler.ensemble_last_step")) : LastStepOnly()
        o.proposalCount = config.int("sampler.proposals")
        o.nmsThreshold = Float(config.double("sampler.nms_iou"))
        return o
    }
}
