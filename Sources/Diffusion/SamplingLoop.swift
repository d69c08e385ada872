// The inference loop of spec §10.2 with its two strategy seams: which proposals survive a step
// (box renewal) and which steps' predictions form the candidate set (step ensemble). The
// official code ensembles every step but the last (DiffusionDet issue #56); the default here
// includes the last step, and the official behaviour stays selectable.

/// Decides which proposals carry over to the next step; the rest are replaced by fresh noise.
public protocol ProposalRenewal: Sendable {
    /// Indices of the rows to keep, in increasing order.
    func keptRows(_ prediction: DenoiserPrediction) -> [Int]
}

/// Keeps every proposal (renewal off).
public struct NoRenewal: ProposalRenewal {
    public init() {}
    public func keptRows(_ prediction: DenoiserPrediction) -> [Int] { Array(0..<prediction.proposalCount) }
}

/// Keeps proposals whose best class probability exceeds `threshold` (0.5 in DiffusionInst).
public struct ThresholdRenewal: ProposalRenewal {
    public var threshold: Float
    public init(threshold: Float = 0.5) { self.threshold = threshold }
    public func keptRows(_ prediction: DenoiserPrediction) -> [Int] {
        prediction.maximumScores().enumerated().filter { $0.element > threshold }.map(\.offset)
    }
}

/// One network evaluation of a run: its time pair and the unfiltered final-stage prediction.
public struct StepPrediction: Sendable {
    public var from: Int
    public var to: Int
    public var prediction: DenoiserPrediction
}

/// Chooses the step predictions whose candidates are pooled before NMS.
public protocol StepEnsemble: Sendable {
    func contributingSteps(_ steps: [StepPrediction]) -> [StepPrediction]
}

/// Only the final step's prediction (no ensemble).
public struct LastStepOnly: StepEnsemble {
    public init() {}
    public func contributingSteps(_ steps: [StepPrediction]) -> [StepPrediction] { steps.suffix(1) }
}

/// Union of the steps' candidates. `includeLastStep: false` reproduces the official code, where
/// with S > 1 the last step never reaches the ensemble; with S = 1 the single step is always used.
public struct StepUnion: StepEnsemble {
    public var includeLastStep: Bool
    public init(includeLastStep: Bool = true) { self.includeLastStep = includeLastStep }
    public func contributingSteps(_ steps: [StepPrediction]) -> [StepPrediction] {
        if includeLastStep || steps.count <= 1 { return steps }
        return Array(steps.dropLast())
    }
}

/// Runs a sampler against a denoiser for one image (spec §10.2).
public struct DiffusionSampling {
    public var diffusion: BoxDiffusion
    public var sampler: any Sampler
    public var renewal: any ProposalRenewal
    public var steps: Int

    public init(diffusion: BoxDiffusion, sampler: any Sampler = DDIMSampler(eta: 1),
                renewal: any ProposalRenewal = ThresholdRenewal(threshold: 0.5), steps: Int = 1) {
        self.diffusion = diffusion
        self.sampler = sampler
        self.renewal = renewal
        self.steps = steps
    }

    /// Every network evaluation of the run, in order. Starts from `initialState` when given
    /// (N×4 diffusion-space boxes, for reproducing reference outputs), else from N(0, I).
    public func run(denoiser: some Denoiser, proposalCount: Int, imageWidth: Float, imageHeight: Float,
                    generator: inout NoiseGenerator, initialState: [Box]? = nil) throws -> [StepPrediction] {
        var state = initialState ?? generator.normalBoxes(proposalCount)
        var memory = SamplerMemory()
        memory.previousClean = Array(repeating: nil, count: state.count)
        var records: [StepPrediction] = []
        for (t, next) in sampler.timePairs(steps: steps, timesteps: diffusion.timesteps) {
            let boxes = diffusion.boxes(fromState: state, imageWidth: imageWidth, imageHeight: imageHeight)
            let prediction = try denoiser.denoise(boxes: boxes, timestep: t)
            records.append(StepPrediction(from: t, to: next, prediction: prediction))
            if next < 0 { break }
            let clean = diffusion.state(fromBoxes: prediction.boxes, imageWidth: imageWidth, imageHeight: imageHeight)
            let noise = diffusion.impliedNoise(state: state, predictedClean: clean, timestep: t)
            let kept = renewal.keptRows(prediction)
            memory.previousClean = kept.map { $0 < memory.previousClean.count ? memory.previousClean[$0] : nil }
            state = sampler.step(state: kept.map { state[$0] }, predictedClean: kept.map { clean[$0] },
                                 predictedNoise: kept.map { noise[$0] }, from: t, to: next,
                                 table: diffusion.table, memory: &memory, generator: &generator)
            let fresh = proposalCount - state.count
            if fresh > 0 {
                state += generator.normalBoxes(fresh)
                memory.previousClean += Array(repeating: nil, count: fresh)
            }
        }
        return records
    }
}
