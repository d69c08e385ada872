// Evaluation parameters with pycocotools' defaults reproduced to the bit (thresholds built as numpy.linspace
// builds them), and the per-image record of one (image, category, area range) matching.

/// An area range `[minimum, maximum]`, both ends inclusive as in pycocotools.
public struct AreaRange: Sendable, Equatable {
    public var label: String
    public var minimum: Double
    public var maximum: Double
    public init(label: String, minimum: Double, maximum: Double) { self.label = label; self.minimum = minimum; self.maximum = maximum }

    @inline(__always) func excludes(_ area: Double) -> Bool { area < minimum || area > maximum }

    /// all, small (< 32²), medium (32²–96²), large (> 96²).
    public static let coco: [AreaRange] = [
        AreaRange(label: "all", minimum: 0, maximum: 1e10),
        AreaRange(label: "small", minimum: 0, maximum: 32 * 32),
        AreaRange(label: "medium", minimum: 32 * 32, maximum: 96 * 96),
        AreaRange(label: "large", minimum: 96 * 96, maximum: 1e10),
    ]
}

public struct EvaluationParameters: Sendable {
    public var iouType: IoUType
    /// Ascending detection limits; the last is the per-image limit used for matching (pycocotools `maxDets`).
    public var maxDetections: [Int]
    public var iouThresholds: [Double]
    public var recallThresholds: [Double]
    public var areaRanges: [AreaRange]
    /// Images and categories to evaluate; nil means all of the ground truth's (sorted by id, as pycocotools).
    public var imageIds: [Int]?
    public var categoryIds: [Int]?
    /// pycocotools `useCats`: false evaluates class-agnostically, every detection against every object of its
    /// image under one pseudo-category −1, which separates localisation errors from classification errors.
    public var useCategories = true

    /// COCO defaults; `maxDetections` is the third limit (100 in COCO). With a higher limit, AP, AP50, AP75 and
    /// the area APs are reported at that limit instead of −1, and the AR100 entry is recall at that limit.
    public init(iouType: IoUType, maxDetections: Int = 100) {
        self.iouType = iouType
        self.maxDetections = [1, 10, maxDetections].sorted()
        self.iouThresholds = EvaluationParameters.linspace(0.5, 0.95, count: 10)
        self.recallThresholds = EvaluationParameters.linspace(0.0, 1.0, count: 101)
        self.areaRanges = AreaRange.coco
    }

    /// numpy.linspace's arithmetic: `start + i * ((stop - start) / (count - 1))`, last value set to `stop`.
    public static func linspace(_ start: Double, _ stop: Double, count: Int) -> [Double] {
        if count == 1 { return [start] }
        let step = (stop - start) / Double(count - 1)
        var values = (0..<count).map { Double($0) * step + start }
        values[count - 1] = stop
        return values
    }
}

/// The matching of one image, category and area range at the largest detection limit (pycocotools' `evalImgs`
/// entry). Matrices are flattened threshold-major: entry `[t * count + j]`.
public struct ImageEvaluation: Sendable {
    public let imageId: Int
    public let categoryId: Int
    public let areaRangeIndex: Int
    /// Indices into the evaluated detection array, in descending score order (stable), at most the last limit.
    public let detectionIndices: [Int]
    public let detectionScores: [Double]
    /// Ground-truth annotation ids in matching order: not-ignored first, then ignored (crowd or out of range).
    public let groundTruthIds: [Int]
    public let groundTruthIgnore: [Bool]
    /// Per threshold and detection: position in `groundTruthIds` of the matched object, or −1.
    public let detectionMatches: [Int]
    /// Per threshold and ground-truth object: position in `detectionIndices` of its detection, or −1.
    public let groundTruthMatches: [Int]
    /// Per threshold and detection: matched to an ignored object, or unmatched and outside the area range.
    public let detectionIgnore: [Bool]

    /// True positives at threshold `t` among the detections that are not ignored.
    public func truePositives(threshold t: Int) -> Int {
        let count = detectionIndices.count
        var total = 0
        for d in 0..<count where detectionMatches[t * count + d] >= 0 && !detectionIgnore[t * count + d] { total += 1 }
        return total
    }
}
