// The training criterion (spec §9): per stage, match proposals to ground truth, then focal, L1,
// GIoU and dice losses normalised by that stage's matched count, weighted 2/5/2/5 and summed over
// all stages. Term names follow the official code (loss_ce … with _0.._4 for auxiliary stages).
import Foundation
import Tensor
import Autodiff
import Structures
import Diffusion
import Masks

public struct LossBreakdown {
    /// The sum of all weighted terms (what is back-propagated).
    public var total: Variable
    /// Weighted terms by name, e.g. "loss_ce", "loss_masks_3".
    public var terms: [(name: String, value: Float)]
    /// Matched proposals per supervised stage (every stage, or only the last without deep supervision).
    public var matchedCounts: [Int]
    /// Mean IoU of the final stage's matched masks (σ > 0.5 at stride 4) with their targets; nil when nothing matched.
    public var matchedMaskIoU: Float?
}

public enum TrainingError: Error, CustomStringConvertible {
    case nonFiniteLoss(term: String, value: Float)
    public var description: String {
        switch self {
        case let .nonFiniteLoss(term, value): return "loss term \(term) is not finite (\(value)); step skipped"
        }
    }
}

public struct SetCriterion {
    public var configuration: DiffusionInstConfiguration
    public var matcher: any Matcher
    public var maskRepresentation: any MaskRepresentation

    public init(configuration: DiffusionInstConfiguration, matcher: any Matcher, maskRepresentation: any MaskRepresentation) {
        self.configuration = configuration
        self.matcher = matcher
        self.maskRepresentation = maskRepresentation
    }

    /// - Parameters:
    ///   - stages: outputs of every stage, first to last.
    ///   - maskFeatures: B×C×Hm×Wm.
    public func callAsFunction(stages: [StageOutput], maskFeatures: Variable, batch: ImageBatch) throws -> LossBreakdown {
        var total: Variable? = nil
        var terms: [(String, Float)] = []
        var counts: [Int] = []
        var maskIoU: Float? = nil
        // Without deep supervision only the last stage is matched and scored.
        for (index, stage) in stages.enumerated() where configuration.deepSupervision || index == stages.count - 1 {
            let suffix = index == stages.count - 1 ? "" : "_\(index)"
            let (stageTerms, matched, iou) = stageLosses(stage, maskFeatures: maskFeatures, batch: batch)
            if index == stages.count - 1 { maskIoU = iou }
            counts.append(matched)
            for (name, value) in stageTerms {
                let scalar = value.value.scalar
                guard scalar.isFinite else { throw TrainingError.nonFiniteLoss(term: name + suffix, value: scalar) }
                terms.append((name + suffix, scalar))
                total = total.map { $0 + value } ?? value
            }
        }
        return LossBreakdown(total: total!, terms: terms, matchedCounts: counts, matchedMaskIoU: maskIoU)
    }

    /// The four weighted terms of one stage, its matched count and its matched-mask IoU.
    func stageLosses(_ stage: StageOutput, maskFeatures: Variable, batch: ImageBatch) -> ([(String, Variable)], Int, Float?) {
        let c = configuration
        let b = batch.count, rows = stage.logits.shape[0], n = rows / b, k = c.classCount
        let logits = stage.logits.value.scalars
        let boxes = stage.boxes.value.scalars
        // Matching per image, gradients off.
        var pairs: [(image: Int, proposal: Int, target: Int)] = []
        for image in 0..<b {
            let targets = batch.targets[image]
            let size = batch.imageSizes[image]
            let problem = MatchingProblem(
                logits: Array(logits[(image * n * k)..<((image + 1) * n * k)]), classCount: k,
                predictedBoxes: (0..<n).map { i in let r = (image * n + i) * 4; return Box(boxes[r], boxes[r + 1], boxes[r + 2], boxes[r + 3]) },
                targetBoxes: targets.boxes, targetClasses: targets.classes,
                imageWidth: Float(size.width), imageHeight: Float(size.height))
            pairs += matcher.match(problem).map { (image, $0.proposal, $0.target) }
        }
        let normaliser = Float(max(pairs.count, 1))
        // Classification over every (proposal, class).
        var oneHot = Tensor(shape: [rows, k])
        oneHot.withUnsafeMutablePointer { y in
            for p in pairs { y[(p.image * n + p.proposal) * k + batch.targets[p.image].classes[p.target]] = 1 }
        }
        let focal = SetPredictionLosses.focalSum(logits: stage.logits, targets: oneHot, alpha: c.focalAlpha, gamma: c.focalGamma)
        var result: [(String, Variable)] = [("loss_ce", focal * (c.classWeight / normaliser))]
        guard !pairs.isEmpty else {
            // Nothing matched: box and mask terms are zero but stay on the tape.
            let zero = stage.boxes.sum() * 0
            result += [("loss_bbox", zero), ("loss_giou", zero), ("loss_masks", zero)]
            return (result, 0, nil)
        }
        let selected = stage.boxes.indexSelect(axis: 0, indices: pairs.map { $0.image * n + $0.proposal })
        var targetBoxes: [Float] = [], scales: [Float] = []
        for p in pairs {
            let g = batch.targets[p.image].boxes[p.target]
            let size = batch.imageSizes[p.image]
            targetBoxes += [g.x, g.y, g.z, g.w]
            scales += [Float(size.width), Float(size.height), Float(size.width), Float(size.height)]
        }
        let targetTensor = Tensor(shape: [pairs.count, 4], scalars: targetBoxes)
        let l1 = SetPredictionLosses.l1Sum(predicted: selected, targets: targetTensor, scale: Tensor(shape: [pairs.count, 4], scalars: scales))
        let giou = SetPredictionLosses.giouSum(predicted: selected, targets: targetTensor)
        result += [("loss_bbox", l1 * (c.l1Weight / normaliser)), ("loss_giou", giou * (c.giouWeight / normaliser))]
        let (dice, iou) = maskLoss(stage, pairs: pairs, proposalsPerImage: n, maskFeatures: maskFeatures, batch: batch)
        result.append(("loss_masks", dice * (c.maskWeight / normaliser)))
        return (result, pairs.count, iou)
    }

    /// Σ dice over matched pairs (spec §9.5), each image's pairs evaluated in one batch.
    func maskLoss(_ stage: StageOutput, pairs: [(image: Int, proposal: Int, target: Int)], proposalsPerImage n: Int,
                  maskFeatures: Variable, batch: ImageBatch) -> (Variable, Float) {
        let channels = maskFeatures.shape[1], height = maskFeatures.shape[2], width = maskFeatures.shape[3]
        var sum: Variable? = nil
        var iouSum: Float = 0
        for image in 0..<batch.count {
            let mine = pairs.filter { $0.image == image }
            if mine.isEmpty { continue }
            let globalRows = mine.map { image * n + $0.proposal }
            let parameters = stage.filters.indexSelect(axis: 0, indices: globalRows)
            let boxes = stage.boxes.value.selectingRows(globalRows)
            let features = maskFeatures.sliced(axis: 0, range: image..<(image + 1)).reshaped([channels, height, width])
            let logits = maskRepresentation.maskLogits(features: features, parameters: parameters, boxes: boxes,
                                                       stride: configuration.maskStride)
            let groundTruth = batch.strideFourMasks[image]
            precondition(groundTruth.shape.count == 3 && groundTruth.shape[1] == height && groundTruth.shape[2] == width,
                         "stride-4 masks of image \(image) have shape \(groundTruth.shape), expected M×\(height)×\(width)")
            let targets = groundTruth.selectingRows(mine.map(\.target))
            let dice = DiceLoss.perInstance(logits: logits, targets: targets).sum()
            sum = sum.map { $0 + dice } ?? dice
            iouSum += Self.maskIoUSum(logits: logits.value, targets: targets)
        }
        return (sum!, iouSum / Float(pairs.count))
    }

    /// Σ over rows of IoU(logit > 0, target > 0.5); an empty union counts as 1.
    static func maskIoUSum(logits: Tensor, targets: Tensor) -> Float {
        let r = logits.shape[0], size = logits.count / max(r, 1)
        let l = logits.scalars, t = targets.scalars
        var total: Float = 0
        for i in 0..<r {
            var inter = 0, union = 0
            for k in (i * size)..<((i + 1) * size) {
                let a = l[k] > 0, b = t[k] > 0.5
                if a && b { inter += 1 }
                if a || b { union += 1 }
            }
            total += union == 0 ? 1 : Float(inter) / Float(union)
        }
        return total
    }
}

extension Tensor {
    /// Rows of the leading axis, in the given order (a copy).
    func selectingRows(_ indices: [Int]) -> Tensor {
        let rowSize = shape.dropFirst().reduce(1, *)
        return Tensor(shape: [indices.count] + Array(shape.dropFirst())) { out in
            withUnsafePointer { src in
                for (r, i) in indices.enumerated() { (out + r * rowSize).update(from: src + i * rowSize, count: rowSize) }
            }
        }
    }
}
