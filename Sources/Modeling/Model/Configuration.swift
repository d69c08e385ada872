// Every size and choice of a DiffusionInst model as one value: the CPU reference configuration
// DiffusionInst-Tiny and the paper's (spec §3–§9, workloads.md). Layers take these numbers as
// explicit initializer arguments; only the workbench turns experiment files into this value.
import Masks

public struct DiffusionInstConfiguration: Codable, Equatable, Sendable {
    public enum BackboneNorm: String, Codable, Sendable { case batchNorm, frozenBatchNorm, groupNorm }
    public enum MaskRepresentationKind: String, Codable, Sendable { case dynamicFilters, boxMasks }
    public enum MatcherKind: String, Codable, Sendable { case dynamicK, hungarian }

    // Backbone and FPN (spec §3).
    public var resnetDepth: Int = 18
    /// Scales the ResNet base width 64 (1 = the standard network).
    public var backboneWidthMultiplier: Float = 1
    public var backboneNorm: BackboneNorm = .batchNorm
    /// Backbone parts frozen (0 none, 1 stem, 2 stem + res2 = the official FREEZE_AT, … 5).
    public var frozenBackboneStages: Int = 0
    public var fpnChannels: Int = 128
    // Mask branch (spec §5).
    public var maskBranchChannels: Int = 64
    public var maskTowerLayers: Int = 4
    public var maskHead = DynamicFilterShape()
    public var maskRepresentation: MaskRepresentationKind = .dynamicFilters
    // Decoder (spec §6).
    public var hiddenDimension: Int = 128
    public var attentionHeads: Int = 8
    public var feedForwardDimension: Int = 512
    public var dynamicDimension: Int = 32
    public var stageCount: Int = 6
    public var classTowerLayers: Int = 1
    public var regressionTowerLayers: Int = 3
    /// Adds a learned embedding of each box's geometry to its feature (not in the official code).
    public var boxEmbedding: Bool = false
    public var poolerResolution: Int = 7
    public var poolerSamplingRatio: Int = 2
    public var priorProbability: Float = 0.01
    // Task.
    public var classCount: Int = 1
    public var proposalCount: Int = 100
    // Diffusion (spec §8).
    public var timesteps: Int = 1000
    public var signalScale: Float = 2
    /// γ of the training timestep draw ⌊T·u^γ⌋ (1 = uniform, official).
    public var timestepExponent: Double = 1
    // Losses (spec §9).
    public var matcher: MatcherKind = .dynamicK
    /// Matching cost weights (spec §9.2: class 2, L1 5, GIoU 2) and the dynamic-k top-k (OTA_K, 5).
    public var matchCostClass: Float = 2
    public var matchCostL1: Float = 5
    public var matchCostGIoU: Float = 2
    public var matchCandidates: Int = 5
    /// Supervise every stage (official); false = only the last stage's losses.
    public var deepSupervision = true
    public var classWeight: Float = 2
    public var l1Weight: Float = 5
    public var giouWeight: Float = 2
    public var maskWeight: Float = 5
    public var focalAlpha: Float = 0.25
    public var focalGamma: Float = 2

    public init() {}

    /// The configured matcher with its cost weights (focal α, γ as in the loss, as the official code does).
    public func makeMatcher() -> any Matcher {
        var weights = MatchingCostWeights()
        weights.classWeight = matchCostClass
        weights.l1Weight = matchCostL1
        weights.giouWeight = matchCostGIoU
        weights.focalAlpha = focalAlpha
        weights.focalGamma = focalGamma
        switch matcher {
        case .dynamicK:
            var m = DynamicKMatcher()
            m.weights = weights
            m.candidateCount = matchCandidates
            return m
        case .hungarian:
            var m = HungarianMatcher()
            m.weights = weights
            return m
        }
    }

    /// Width of the time embedding after the time MLP: 4 × hidden (1024 for the paper).
    public var timeDimension: Int { 4 * hiddenDimension }
    /// FPN levels P2–P5 consumed by the pooler; their strides.
    public var poolerStrides: [Int] { [4, 8, 16, 32] }
    /// Stride of the mask features (hard-coded 4 in the reference, spec §5).
    public var maskStride: Int { 4 }

    /// DiffusionInst-Tiny (workloads.md): ResNet-18 with BatchNorm, FPN 128, mask branch 64,
    /// hidden 128, FFN 512, dynamic 32, 100 proposals, 153-parameter filters.
    public static func tiny(classCount: Int) -> DiffusionInstConfiguration {
        var c = DiffusionInstConfiguration()
        c.classCount = classCount
        return c
    }

    /// The paper / official configuration (spec §3–§6): ResNet-50 with frozen BN, FPN 256, mask
    /// branch 128, hidden 256, FFN 2048, dynamic 64, 500 proposals.
    public static func paper(classCount: Int = 80) -> DiffusionInstConfiguration {
        var c = DiffusionInstConfiguration()
        c.resnetDepth = 50
        c.backboneNorm = .frozenBatchNorm
        c.fpnChannels = 256
        c.maskBranchChannels = 128
        c.hiddenDimension = 256
        c.feedForwardDimension = 2048
        c.dynamicDimension = 64
        c.proposalCount = 500
        c.classCount = classCount
        return c
    }

    /// The mask representation this configuration selects.
    public func makeMaskRepresentation() -> any MaskRepresentation {
        switch maskRepresentation {
        case .dynamicFilters: return DynamicFilters(shape: maskHead)
        case .boxMasks: return BoxMasks(featureChannels: maskHead.featureChannels)
        }
    }

    /// Checks the sizes fit together; the message names the offending key.
    public func validate() throws {
        func fail(_ message: String) -> Error { ConfigurationError(message: message) }
        if hiddenDimension % attentionHeads != 0 { throw fail("hiddenDimension \(hiddenDimension) is not divisible by attentionHeads \(attentionHeads)") }
        if hiddenDimension % 2 != 0 { throw fail("hiddenDimension \(hiddenDimension) must be even (sinusoidal time code)") }
        if ![18, 34, 50].contains(resnetDepth) { throw fail("resnetDepth \(resnetDepth) is not one of 18, 34, 50") }
        if stageCount < 1 { throw fail("stageCount must be at least 1") }
        if classCount < 1 { throw fail("classCount must be at least 1") }
        if proposalCount < 1 { throw fail("proposalCount must be at least 1") }
        if !(0...5).contains(frozenBackboneStages) { throw fail("frozenBackboneStages \(frozenBackboneStages) is not in 0...5") }
        if matchCandidates < 1 { throw fail("matchCandidates must be at least 1") }
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { "invalid DiffusionInst configuration: \(message)" }
}
