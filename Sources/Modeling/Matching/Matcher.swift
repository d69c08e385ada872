// The matching seam: which proposals are trained towards which ground-truth instance at a stage.
// Matchers see plain values (gradients are off while matching, spec §9.2) and return pairs.
import Foundation
import Diffusion

/// One stage's predictions and one image's targets, as plain values.
public struct MatchingProblem {
    /// N×K class logits, row-major.
    public var logits: [Float]
    public var classCount: Int
    /// N predicted boxes, xyxy pixels.
    public var predictedBoxes: [Box]
    /// M ground-truth boxes, xyxy pixels.
    public var targetBoxes: [Box]
    /// M class ids in 0..<K.
    public var targetClasses: [Int]
    /// Unpadded resized image size (normalises boxes for the L1 cost).
    public var imageWidth: Float
    public var imageHeight: Float

    public init(logits: [Float], classCount: Int, predictedBoxes: [Box], targetBoxes: [Box], targetClasses: [Int],
                imageWidth: Float, imageHeight: Float) {
        precondition(logits.count == predictedBoxes.count * classCount, "matching: logits do not match N×K")
        precondition(targetBoxes.count == targetClasses.count, "matching: \(targetBoxes.count) boxes but \(targetClasses.count) classes")
        self.logits = logits
        self.classCount = classCount
        self.predictedBoxes = predictedBoxes
        self.targetBoxes = targetBoxes
        self.targetClasses = targetClasses
        self.imageWidth = imageWidth
        self.imageHeight = imageHeight
    }

    public var proposalCount: Int { predictedBoxes.count }
    public var targetCount: Int { targetBoxes.count }
}

/// A matched (proposal, ground truth) pair.
public struct MatchedPair: Equatable, Sendable {
    public var proposal: Int
    public var target: Int
    public init(proposal: Int, target: Int) { self.proposal = proposal; self.target = target }
}

public protocol Matcher: Sendable {
    /// Matched pairs sorted by proposal index; each proposal appears at most once.
    func match(_ problem: MatchingProblem) -> [MatchedPair]
}

/// Weights of the matching cost (spec §9.2: 5·L1 + 2·focal + 2·(−GIoU)), focal α and γ.
public struct MatchingCostWeights: Sendable {
    public var classWeight: Float = 2
    public var l1Weight: Float = 5
    public var giouWeight: Float = 2
    public var focalAlpha: Float = 0.25
    public var focalGamma: Float = 2
    public init() {}
}

/// The set-prediction cost without geometric priors, N×M row-major:
/// 5·‖b̂/whwh − G/whwh‖₁ + 2·[α(1−p)^γ(−ln(p+1e-8)) − (1−α)p^γ(−ln(1−p+1e-8))] − 2·GIoU(b̂, G).
func setPredictionCost(_ problem: MatchingProblem, weights: MatchingCostWeights) -> [Float] {
    let n = problem.proposalCount, m = problem.targetCount
    let scale = Box(problem.imageWidth, problem.imageHeight, problem.imageWidth, problem.imageHeight)
    var cost = [Float](repeating: 0, count: n * m)
    for i in 0..<n {
        let predicted = problem.predictedBoxes[i]
        for j in 0..<m {
            let target = problem.targetBoxes[j]
            let p = 1 / (1 + exp(-problem.logits[i * problem.classCount + problem.targetClasses[j]]))
            let positive = weights.focalAlpha * pow(1 - p, weights.focalGamma) * -log(p + 1e-8)
            let negative = (1 - weights.focalAlpha) * pow(p, weights.focalGamma) * -log(1 - p + 1e-8)
            let difference = predicted / scale - target / scale
            let l1 = abs(difference.x) + abs(difference.y) + abs(difference.z) + abs(difference.w)
            cost[i * m + j] = weights.l1Weight * l1 + weights.classWeight * (positive - negative)
                - weights.giouWeight * BoxGeometry.generalizedIoU(predicted, target)
        }
    }
    return cost
}
