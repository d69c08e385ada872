// Which class the detector gives each object it finds: for every ground-truth object, the highest-scoring
// detection of any class that overlaps it at IoU ≥ a threshold names its predicted class ("missed" when none
// does). The class-agnostic AP says how much confusing the classes costs; this says which classes are taken
// for which, and at which object sizes, without a score threshold (the top-scoring overlap is what ranks a
// wrong-class detection above the right one in the class-aware AP).
import Foundation
import Structures

public struct ClassConfusion: Sendable, Equatable {
    /// Row and column order (the ground truth's categories, sorted by id).
    public let categoryIds: [Int]
    public let categoryNames: [String]
    /// Area ranges of the ground-truth objects the counts are split by (`all` first).
    public let areaRanges: [AreaRange]
    /// `counts[a][g][p]`: objects of category `g` in area range `a` whose top overlapping detection has
    /// category `p`; `p == categoryIds.count` counts the missed ones.
    public let counts: [[[Int]]]
    /// `present[a][g]`: objects of category `g` overlapped (IoU ≥ threshold) by a detection of their own category
    /// at any rank. Against the diagonal of `counts` it separates "never predicted" from "ranked below another class".
    public let present: [[Int]]
    public let iouThreshold: Double

    /// - Parameters:
    ///   - maxDetections: per image, only the top-scoring detections count (as in COCOeval).
    public static func compute(groundTruth: GroundTruth, detections: [Detection], iouType: IoUType,
                               iouThreshold: Double = 0.5, maxDetections: Int = 100,
                               areaRanges: [AreaRange] = AreaRange.coco) throws -> ClassConfusion {
        let categories = groundTruth.categories.sorted { $0.id < $1.id }
        let column = Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($1.id, $0) })
        let K = categories.count
        var counts = [[[Int]]](repeating: [[Int]](repeating: [Int](repeating: 0, count: K + 1), count: K),
                               count: areaRanges.count)
        var present = [[Int]](repeating: [Int](repeating: 0, count: K), count: areaRanges.count)
        var parameters = EvaluationParameters(iouType: iouType, maxDetections: maxDetections)
        parameters.useCategories = false
        let images = Dictionary(groundTruth.images.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let context = PairContext(groundTruth: groundTruth, detections: detections, parameters: parameters, images: images)
        let detectionsByImage = Dictionary(grouping: detections.indices, by: { detections[$0].imageId })
        let objectsByImage = Dictionary(grouping: groundTruth.annotations.indices.filter { !groundTruth.annotations[$0].isCrowd },
                                        by: { groundTruth.annotations[$0].imageId })
        try COCOEvaluator.validate(detections, against: groundTruth)
        for (imageId, objects) in objectsByImage {
            guard images[imageId] != nil else { throw COCOError.file(groundTruth.source, "annotation refers to unknown image \(imageId)") }
            let dets = Array((detectionsByImage[imageId] ?? []).sorted {
                detections[$0].score != detections[$1].score ? detections[$0].score > detections[$1].score : $0 < $1
            }.prefix(maxDetections))
            let gts = objects.map { groundTruth.annotations[$0] }
            let ious = dets.isEmpty ? [] : try context.iouMatrix(imageId: imageId, dets: dets, gts: gts, crowd: gts.map { _ in false })
            for (g, object) in gts.enumerated() {
                guard let row = column[object.categoryId] else {
                    throw COCOError.file(groundTruth.source, "annotation \(object.id) has category \(object.categoryId), which is not in its categories")
                }
                // `dets` is in descending score order, so the first overlap is the top-scoring one.
                let top = dets.indices.first { ious[$0][g] >= iouThreshold }
                let predicted = top.map { column[detections[dets[$0]].categoryId]! } ?? K
                let anyRank = dets.indices.contains { ious[$0][g] >= iouThreshold && detections[dets[$0]].categoryId == object.categoryId }
                for (a, range) in areaRanges.enumerated() where !range.excludes(object.area) {
                    counts[a][row][predicted] += 1
                    if anyRank { present[a][row] += 1 }
                }
            }
        }
        return ClassConfusion(categoryIds: categories.map(\.id), categoryNames: categories.map(\.name), areaRanges: areaRanges,
                              counts: counts, present: present, iouThreshold: iouThreshold)
    }

    /// Objects of category row `g` in area range `a`.
    public func objects(area a: Int = 0, category g: Int) -> Int { counts[a][g].reduce(0, +) }

    /// Of the found objects of category `g` (area range `a`), the fraction given the right class; nil if none found.
    public func rightClassRate(area a: Int = 0, category g: Int) -> Double? {
        let found = counts[a][g].dropLast().reduce(0, +)
        return found == 0 ? nil : Double(counts[a][g][g]) / Double(found)
    }

    /// One table per area range with objects: rows the true class, columns the top overlapping detection's class
    /// and `missed`, then the right-class rate among the found ones and the fraction of all objects overlapped by
    /// a detection of their class at any rank.
    public var table: String {
        var lines: [String] = []
        let width = max(8, (categoryNames + ["missed"]).map(\.count).max()! + 1)
        func cell(_ s: String) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        for (a, range) in areaRanges.enumerated() {
            let total = categoryIds.indices.map { objects(area: a, category: $0) }.reduce(0, +)
            if total == 0 { continue }
            lines.append("objects (\(range.label), \(total)) by the class of their top-scoring detection at IoU ≥ \(String(format: "%.2f", iouThreshold)):")
            lines.append(cell("true\\top") + (categoryNames + ["missed", "right", "present"]).map(cell).joined())
            for g in categoryIds.indices {
                let rate = rightClassRate(area: a, category: g).map { String(format: "%.3f", $0) } ?? "-"
                let objects = objects(area: a, category: g)
                let anyRank = objects == 0 ? "-" : String(format: "%.3f", Double(present[a][g]) / Double(objects))
                lines.append(cell(categoryNames[g]) + counts[a][g].map { cell("\($0)") }.joined() + cell(rate) + cell(anyRank))
            }
        }
        return lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
    }

    /// For JSON files: `{"iou_threshold", "classes", "<area>": [[counts]]}`.
    public var dictionary: [String: Any] {
        var object: [String: Any] = ["iou_threshold": iouThreshold, "classes": categoryNames + ["missed"]]
        for (a, range) in areaRanges.enumerated() {
            object[range.label] = counts[a]
            object[range.label + ".present"] = present[a]
        }
        return object
    }
}
