// Turning step predictions into detections (spec §10.3): top-N (proposal, class) pairs by sigmoid
// score with no threshold, pooled over the ensemble's steps, then class-aware greedy NMS.
import Foundation

/// One candidate detection: a proposal's box and filter under one class label.
public struct Detection: Sendable {
    /// xyxy pixels of the resized image.
    public var box: Box
    /// σ(logit) of `label`.
    public var score: Float
    public var label: Int
    /// The proposal's mask parameters (shared by all labels emitted for it).
    public var filter: [Float]
}

public enum CandidateSelection {
    /// The top `count` (proposal, class) pairs of one prediction by score; pair q is proposal ⌊q/K⌋,
    /// label q mod K. Ties keep the lower flat index first.
    public static func topScoring(_ prediction: DenoiserPrediction, count: Int) -> [Detection] {
        let k = prediction.classCount
        let scores = prediction.logits.map { 1 / (1 + exp(-$0)) }
        let order = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        return order.prefix(count).map { q in
            Detection(box: prediction.boxes[q / k], score: scores[q], label: q % k,
                      filter: Array(prediction.filter(q / k)))
        }
    }

    /// Pools the top-N candidates of each contributing step and applies class-aware NMS.
    public static func detections(from steps: [StepPrediction], ensemble: some StepEnsemble,
                                  candidatesPerStep: Int, iouThreshold: Float = 0.5) -> [Detection] {
        let pooled = ensemble.contributingSteps(steps).flatMap { topScoring($0.prediction, count: candidatesPerStep) }
        return NonMaximumSuppression.classAware(pooled, iouThreshold: iouThreshold)
    }
}

public enum NonMaximumSuppression {
    /// Greedy NMS by descending score within each label: a box is dropped when its IoU with a kept
    /// box of the same label exceeds `iouThreshold`. Returns survivors by descending score.
    public static func classAware(_ detections: [Detection], iouThreshold: Float) -> [Detection] {
        let order = detections.indices.sorted {
            detections[$0].score != detections[$1].score ? detections[$0].score > detections[$1].score : $0 < $1
        }
        var keptByLabel: [Int: [Box]] = [:]
        var survivors: [Detection] = []
        for i in order {
            let d = detections[i]
            let kept = keptByLabel[d.label, default: []]
            if kept.contains(where: { BoxGeometry.iou($0, d.box) > iouThreshold }) { continue }
            keptByLabel[d.label, default: []].append(d.box)
            survivors.append(d)
        }
        return survivors
    }
}
