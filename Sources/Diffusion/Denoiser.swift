// The seam between samplers and the network: anything that maps (boxes, t) to the final stage's
// class logits, refined boxes and mask filters for one image. The DiffusionInst model conforms
// through a per-image adapter, so this module never imports Modeling.
import Foundation

/// The final decoder stage's output for one image's N proposals.
public struct DenoiserPrediction: Sendable {
    /// N×K class logits, row-major (per-class sigmoid scores, no background class; spec §15.8).
    public var logits: [Float]
    /// N refined boxes, xyxy pixels of the resized image.
    public var boxes: [Box]
    /// N×F mask-representation parameters (F = 153 for the default dynamic filters), row-major.
    public var filters: [Float]
    public let classCount: Int
    public let filterSize: Int

    public init(logits: [Float], boxes: [Box], filters: [Float], classCount: Int, filterSize: Int) {
        precondition(logits.count == boxes.count * classCount, "logits hold \(logits.count) values, expected \(boxes.count)×\(classCount)")
        precondition(filters.count == boxes.count * filterSize, "filters hold \(filters.count) values, expected \(boxes.count)×\(filterSize)")
        self.logits = logits
        self.boxes = boxes
        self.filters = filters
        self.classCount = classCount
        self.filterSize = filterSize
    }

    public var proposalCount: Int { boxes.count }

    /// max_k σ(logit_ik) for each proposal (the renewal score, spec §10.2 step 3).
    public func maximumScores() -> [Float] {
        (0..<proposalCount).map { i in
            let row = logits[(i * classCount)..<((i + 1) * classCount)]
            return 1 / (1 + exp(-(row.max() ?? -.infinity)))
        }
    }

    /// Filter of proposal `i`.
    public func filter(_ i: Int) -> ArraySlice<Float> { filters[(i * filterSize)..<((i + 1) * filterSize)] }

    /// The same prediction restricted to `rows` (in that order).
    public func rows(_ rows: [Int]) -> DenoiserPrediction {
        DenoiserPrediction(logits: rows.flatMap { logits[($0 * classCount)..<(($0 + 1) * classCount)] },
                           boxes: rows.map { boxes[$0] }, filters: rows.flatMap { filter($0) },
                           classCount: classCount, filterSize: filterSize)
    }
}

/// A network that predicts clean boxes (the "pred_x0" objective, spec §8) for one image.
public protocol Denoiser {
    /// Runs the decoder on N noisy xyxy pixel boxes at integer timestep `t`.
    func denoise(boxes: [Box], timestep t: Int) throws -> DenoiserPrediction
}

/// A denoiser made from a closure (tests, and adapters that bind a model to cached image features).
public struct ClosureDenoiser: Denoiser {
    let body: ([Box], Int) throws -> DenoiserPrediction
    public init(_ body: @escaping ([Box], Int) throws -> DenoiserPrediction) { self.body = body }
    public func denoise(boxes: [Box], timestep t: Int) throws -> DenoiserPrediction { try body(boxes, t) }
}
