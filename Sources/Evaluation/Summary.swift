// The outcome of an evaluation: pycocotools' precision/recall arrays, the 12 summary numbers, per-category AP,
// per-image matchings, the standard printed table and the 12-number JSON.
import Foundation
import Structures

/// The 12 COCO numbers, each in [0, 1] or −1 when nothing defines it (no ground truth in that range).
/// With a detection limit N above 100, AP/AP50/AP75/APs/APm/APl and AR100 are measured at N.
public struct Summary: Sendable, Equatable {
    public static let keys = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]
    /// In `keys` order.
    public var values: [Double]

    public subscript(key: String) -> Double {
        values[Summary.keys.firstIndex(of: key)!]
    }

    public var dictionary: [String: Double] { Dictionary(uniqueKeysWithValues: zip(Summary.keys, values)) }

    /// `{"AP": …, …}` in key order.
    public var json: String {
        "{\n" + zip(Summary.keys, values).map { "  \"\($0)\": \(JSONWriter.number($1))" }.joined(separator: ",\n") + "\n}\n"
    }
}

public struct EvaluationResult: Sendable {
    public let parameters: EvaluationParameters
    public let imageIds: [Int]
    public let categoryIds: [Int]
    /// T×R×K×A×M, row-major (pycocotools `eval['precision']`); −1 where undefined.
    public let precision: [Double]
    /// T×K×A×M (pycocotools `eval['recall']`).
    public let recall: [Double]
    /// K×A×I, row-major; nil where an image has neither ground truth nor detections of the category.
    public let imageEvaluations: [ImageEvaluation?]

    var T: Int { parameters.iouThresholds.count }
    var R: Int { parameters.recallThresholds.count }
    var K: Int { categoryIds.count }
    var A: Int { parameters.areaRanges.count }
    var M: Int { parameters.maxDetections.count }

    public func precision(threshold t: Int, recall r: Int, category k: Int, area a: Int, maxDetections m: Int) -> Double {
        precision[(((t * R + r) * K + k) * A + a) * M + m]
    }

    public func recall(threshold t: Int, category k: Int, area a: Int, maxDetections m: Int) -> Double {
        recall[((t * K + k) * A + a) * M + m]
    }

    /// The per-image matching of category `categoryId`, area range `areaIndex`, image `imageId`.
    public func imageEvaluation(imageId: Int, categoryId: Int, areaIndex: Int = 0) -> ImageEvaluation? {
        guard let i = imageIds.firstIndex(of: imageId), let k = categoryIds.firstIndex(of: categoryId) else { return nil }
        return imageEvaluations[(k * A + areaIndex) * I + i]
    }

    var I: Int { imageIds.count }

    /// pycocotools `_summarize`: mean of the defined (> −1) entries over thresholds (all or one), recall
    /// points and categories, or −1 when none is defined.
    public func summarize(averagePrecision: Bool, threshold: Int? = nil, area: Int = 0, maxDetections m: Int? = nil,
                          categories: [Int]? = nil) -> Double {
        let m = m ?? (M - 1)
        let thresholds = threshold.map { [$0] } ?? Array(0..<T)
        let ks = categories ?? Array(0..<K)
        var sum = 0.0, count = 0
        for t in thresholds {
            for k in ks {
                if averagePrecision {
                    for r in 0..<R {
                        let value = precision(threshold: t, recall: r, category: k, area: area, maxDetections: m)
                        if value > -1 { sum += value; count += 1 }
                    }
                } else {
                    let value = recall(threshold: t, category: k, area: area, maxDetections: m)
                    if value > -1 { sum += value; count += 1 }
                }
            }
        }
        return count == 0 ? -1 : sum / Double(count)
    }

    func thresholdIndex(_ value: Double) -> Int? {
        parameters.iouThresholds.firstIndex { abs($0 - value) < 1e-12 }
    }

    /// The 12 numbers (pycocotools `stats`).
    public var summary: Summary {
        let last = M - 1
        let t50 = thresholdIndex(0.5), t75 = thresholdIndex(0.75)
        func ap(_ t: Int?, _ requested: Bool, area: Int) -> Double {
            if requested && t == nil { return -1 }
            return summarize(averagePrecision: true, threshold: t, area: area, maxDetections: last)
        }
        return Summary(values: [
            ap(nil, false, area: 0), ap(t50, true, area: 0), ap(t75, true, area: 0),
            ap(nil, false, area: 1), ap(nil, false, area: 2), ap(nil, false, area: 3),
            summarize(averagePrecision: false, area: 0, maxDetections: 0),
            summarize(averagePrecision: false, area: 0, maxDetections: min(1, last)),
            summarize(averagePrecision: false, area: 0, maxDetections: last),
            summarize(averagePrecision: false, area: 1, maxDetections: last),
            summarize(averagePrecision: false, area: 2, maxDetections: last),
            summarize(averagePrecision: false, area: 3, maxDetections: last),
        ])
    }

    /// AP (IoU .50:.95, all areas, largest limit) per category id; −1 for categories without ground truth.
    public var perCategoryAP: [Int: Double] {
        Dictionary(uniqueKeysWithValues: categoryIds.enumerated().map { k, id in
            (id, summarize(averagePrecision: true, area: 0, categories: [k]))
        })
    }

    /// The table pycocotools' `summarize()` prints, with the actual limits in the maxDets column.
    public var table: String {
        let limits = parameters.maxDetections
        let last = limits.count - 1
        let rows: [(Bool, Double?, String, Int)] = [
            (true, nil, "all", last), (true, 0.5, "all", last), (true, 0.75, "all", last),
            (true, nil, "small", last), (true, nil, "medium", last), (true, nil, "large", last),
            (false, nil, "all", 0), (false, nil, "all", min(1, last)), (false, nil, "all", last),
            (false, nil, "small", last), (false, nil, "medium", last), (false, nil, "large", last),
        ]
        let values = summary.values
        let first = parameters.iouThresholds.first ?? 0, final = parameters.iouThresholds.last ?? 0
        return zip(rows, values).map { row, value in
            let (isAP, threshold, area, m) = row
            let title = isAP ? "Average Precision" : "Average Recall"
            let kind = isAP ? "(AP)" : "(AR)"
            let iou = threshold.map { String(format: "%0.2f", $0) } ?? String(format: "%0.2f:%0.2f", first, final)
            return " " + title.padding(toLength: 18, withPad: " ", startingAt: 0) + " \(kind) @[ IoU="
                + iou.padding(toLength: 9, withPad: " ", startingAt: 0) + " | area="
                + String(repeating: " ", count: max(0, 6 - area.count)) + area + " | maxDets="
                + String(format: "%3d", limits[m]) + " ] = " + String(format: "%0.3f", value)
        }.joined(separator: "\n") + "\n"
    }
}
