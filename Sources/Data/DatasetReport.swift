// The `diffinst data inspect` report: classes and counts, images without annotations, COCO size
// distribution, instances per image, segmentation formats, and the problems found while loading.
import Foundation

public struct DatasetReport: Sendable {
    public struct ClassLine: Sendable {
        public let categoryID: Int
        public let name: String
        public let instances: Int
        public let crowd: Int
        public let images: Int
    }

    public let source: String
    public let imageCount: Int
    public let instanceCount: Int
    public let crowdCount: Int
    public let classes: [ClassLine]
    public let imagesWithoutAnnotations: [String]
    /// Non-crowd instances by COCO area range: small < 32², medium < 96², large ≥ 96² (annotation `area`).
    public let small: Int, medium: Int, large: Int
    /// The same split with thresholds scaled to each image (32² and 96² are 0.33% and 3% of a 640×480 image),
    /// which is what matters for small synthetic images.
    public let relativeSmall: Int, relativeMedium: Int, relativeLarge: Int
    /// Instances per image: min, median, mean, max, and the histogram over a few fixed bins.
    public let perImageMinimum: Int, perImageMedian: Int, perImageMaximum: Int
    public let perImageMean: Double
    public let perImageHistogram: [(range: String, images: Int)]
    public let formats: [(format: String, annotations: Int)]
    public let imageSizes: (minimumWidth: Int, maximumWidth: Int, minimumHeight: Int, maximumHeight: Int)
    public let issues: [DatasetIssue]

    public init(_ dataset: COCODataset) {
        source = dataset.annotationFile
        imageCount = dataset.count
        let all = dataset.annotations.flatMap { $0 }
        instanceCount = all.count
        crowdCount = all.filter(\.isCrowd).count
        classes = dataset.categories.ids.indices.map { k in
            let mine = all.filter { $0.classIndex == k }
            return ClassLine(categoryID: dataset.categories.ids[k], name: dataset.categories.names[k],
                             instances: mine.count, crowd: mine.filter(\.isCrowd).count,
                             images: dataset.annotations.filter { $0.contains { $0.classIndex == k } }.count)
        }
        imagesWithoutAnnotations = dataset.images.indices.filter { dataset.annotations[$0].isEmpty }.map { dataset.images[$0].fileName }
        let areas = all.filter { !$0.isCrowd }.map(\.area)
        small = areas.filter { $0 < 32 * 32 }.count
        medium = areas.filter { $0 >= 32 * 32 && $0 < 96 * 96 }.count
        large = areas.filter { $0 >= 96 * 96 }.count
        var relative = [0, 0, 0]
        for (index, list) in dataset.annotations.enumerated() {
            let imageArea = Double(dataset.images[index].width * dataset.images[index].height)
            for instance in list where !instance.isCrowd {
                let fraction = instance.area / imageArea
                relative[fraction < 1024.0 / 307_200 ? 0 : fraction < 9216.0 / 307_200 ? 1 : 2] += 1
            }
        }
        (relativeSmall, relativeMedium, relativeLarge) = (relative[0], relative[1], relative[2])
        let perImage = dataset.annotations.map(\.count).sorted()
        perImageMinimum = perImage.first ?? 0
        perImageMaximum = perImage.last ?? 0
        perImageMedian = perImage.isEmpty ? 0 : perImage[perImage.count / 2]
        perImageMean = perImage.isEmpty ? 0 : Double(perImage.reduce(0, +)) / Double(perImage.count)
        let bins: [(String, ClosedRange<Int>)] = [("0", 0...0), ("1", 1...1), ("2-5", 2...5), ("6-10", 6...10), ("11-20", 11...20),
                                                  ("21-50", 21...50), ("51-100", 51...100), ("101-300", 101...300), (">300", 301...Int.max)]
        perImageHistogram = bins.map { name, range in (name, perImage.filter { range.contains($0) }.count) }
        formats = SegmentationFormat.allCases.map { ($0.rawValue, dataset.formatCounts[$0] ?? 0) }
        imageSizes = (dataset.images.map(\.width).min() ?? 0, dataset.images.map(\.width).max() ?? 0,
                      dataset.images.map(\.height).min() ?? 0, dataset.images.map(\.height).max() ?? 0)
        issues = dataset.issues
    }

    /// Plain-text rendering for the terminal.
    public var text: String {
        var lines: [String] = []
        lines.append("dataset: \(source)")
        lines.append("images: \(imageCount)  (widths \(imageSizes.minimumWidth)-\(imageSizes.maximumWidth), heights \(imageSizes.minimumHeight)-\(imageSizes.maximumHeight))")
        lines.append("instances: \(instanceCount)  (crowd: \(crowdCount))")
        lines.append("classes: \(classes.count)")
        for line in classes {
            let name = line.name.count >= 20 ? line.name : line.name + String(repeating: " ", count: 20 - line.name.count)
            lines.append(String(format: "  id %4d  ", line.categoryID) + name
                         + String(format: " %7d instances  %5d crowd  in %6d images", line.instances, line.crowd, line.images))
        }
        let total = max(1, small + medium + large)
        lines.append(String(format: "sizes (COCO area ranges, non-crowd): small %d (%.1f%%)  medium %d (%.1f%%)  large %d (%.1f%%)",
                            small, 100 * Double(small) / Double(total), medium, 100 * Double(medium) / Double(total),
                            large, 100 * Double(large) / Double(total)))
        lines.append(String(format: "sizes relative to the image (0.33%%, 3%% of its area): small %d  medium %d  large %d",
                            relativeSmall, relativeMedium, relativeLarge))
        lines.append(String(format: "instances per image: min %d  median %d  mean %.1f  max %d",
                            perImageMinimum, perImageMedian, perImageMean, perImageMaximum))
        lines.append("  histogram: " + perImageHistogram.filter { $0.images > 0 }.map { "\($0.range): \($0.images)" }.joined(separator: "  "))
        lines.append("segmentation formats: " + formats.map { "\($0.format) \($0.annotations)" }.joined(separator: ", "))
        lines.append("images without annotations: \(imagesWithoutAnnotations.count)"
                     + (imagesWithoutAnnotations.isEmpty ? "" : " (" + imagesWithoutAnnotations.prefix(10).joined(separator: ", ")
                        + (imagesWithoutAnnotations.count > 10 ? ", …" : "") + ")"))
        lines.append("problems reported and skipped: \(issues.count)")
        for issue in issues.prefix(50) { lines.append("  [\(issue.kind.rawValue)] \(issue.message)") }
        if issues.count > 50 { lines.append("  … \(issues.count - 50) more") }
        return lines.joined(separator: "\n")
    }
}
