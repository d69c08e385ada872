// Training and test geometry (spec §2, §11.3): which resize, flip and crop an image gets. A plan is drawn
// from a seeded generator and is a single per-axis affine map from original pixels to output pixels.
import Foundation

/// Sizes and probabilities of the input pipeline. Defaults are the reference values of spec §2/§11.3;
/// `scaled(toTestShortEdge:)` shrinks every size in proportion for small images (e.g. synthetic 128×128).
public struct AugmentationConfig: Codable, Sendable, Equatable {
    /// Training short-edge choices (path A, and the final resize of path B).
    public var shortEdges = [480, 512, 544, 576, 608, 640, 672, 704, 736, 768, 800]
    /// Longest-edge cap for the training and test resizes.
    public var maximumLongEdge = 1333
    public var flipProbability = 0.5
    /// Probability of path B (resize, random crop, resize); 0 turns cropping off.
    public var cropProbability = 0.5
    /// Path B's first short-edge choices (no long-edge cap).
    public var cropShortEdges = [400, 500, 600]
    /// Path B's crop side range ("absolute_range"): each side uniform in [min(side, lower), min(side, upper)].
    public var cropMinimum = 384
    public var cropMaximum = 600
    /// Test-time resize: short edge and long-edge cap.
    public var testShortEdge = 800
    public var testMaximumLongEdge = 1333
    /// Canvas multiple (stride of the coarsest backbone level).
    public var sizeDivisibility = 32

    public init() {}

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let d = AugmentationConfig()
        shortEdges = try container.value(.shortEdges, or: d.shortEdges)
        maximumLongEdge = try container.value(.maximumLongEdge, or: d.maximumLongEdge)
        flipProbability = try container.value(.flipProbability, or: d.flipProbability)
        cropProbability = try container.value(.cropProbability, or: d.cropProbability)
        cropShortEdges = try container.value(.cropShortEdges, or: d.cropShortEdges)
        cropMinimum = try container.value(.cropMinimum, or: d.cropMinimum)
        cropMaximum = try container.value(.cropMaximum, or: d.cropMaximum)
        testShortEdge = try container.value(.testShortEdge, or: d.testShortEdge)
        testMaximumLongEdge = try container.value(.testMaximumLongEdge, or: d.testMaximumLongEdge)
        sizeDivisibility = try container.value(.sizeDivisibility, or: d.sizeDivisibility)
        try validate()
    }

    public func validate() throws {
        func check(_ condition: Bool, _ message: String) throws {
            if !condition { throw DatasetError.invalidConfig("augmentation: \(message)") }
        }
        try check(!shortEdges.isEmpty && shortEdges.allSatisfy { $0 > 0 }, "shortEdges must be positive and non-empty")
        try check(maximumLongEdge > 0 && testShortEdge > 0 && testMaximumLongEdge > 0, "edge sizes must be positive")
        try check((0...1).contains(flipProbability) && (0...1).contains(cropProbability), "probabilities must be in [0, 1]")
        try check(cropProbability == 0 || (!cropShortEdges.isEmpty && cropShortEdges.allSatisfy { $0 > 0 }),
                  "cropShortEdges must be positive and non-empty when cropping")
        try check(cropMinimum > 0 && cropMaximum >= cropMinimum, "need 0 < cropMinimum <= cropMaximum")
        try check(sizeDivisibility > 0, "sizeDivisibility must be positive")
    }

    /// Every size multiplied by `testShortEdge / 800` (rounded, at least 1), probabilities unchanged.
    public func scaled(toTestShortEdge newTestShortEdge: Int) -> AugmentationConfig {
        let factor = Double(newTestShortEdge) / Double(testShortEdge)
        func s(_ value: Int) -> Int { max(1, Int((Double(value) * factor).rounded())) }
        var copy = self
        copy.shortEdges = Array(Set(shortEdges.map(s))).sorted()
        copy.maximumLongEdge = s(maximumLongEdge)
        copy.cropShortEdges = Array(Set(cropShortEdges.map(s))).sorted()
        copy.cropMinimum = s(cropMinimum)
        copy.cropMaximum = s(cropMaximum)
        copy.testShortEdge = newTestShortEdge
        copy.testMaximumLongEdge = s(testMaximumLongEdge)
        return copy
    }
}

/// The geometry applied to one image: optional mirror, then x' = (x_f − originX)·scaleX,
/// y' = (y − originY)·scaleY, where x_f = width − x when mirrored. Output is `outputWidth`×`outputHeight`.
public struct GeometricPlan: Equatable, Sendable {
    public var flip: Bool
    public var originX: Double
    public var originY: Double
    public var scaleX: Double
    public var scaleY: Double
    public var outputWidth: Int
    public var outputHeight: Int

    /// detectron2's `ResizeShortestEdge` output size: s = short/min(h, w), capped so that s·max(h, w) ≤ maxLong,
    /// sizes `int(dim·s + 0.5)`.
    public static func resizedSize(height: Int, width: Int, shortEdge: Int, maximumLongEdge: Int?) -> (height: Int, width: Int) {
        var scale = Double(shortEdge) / Double(min(height, width))
        if let cap = maximumLongEdge, scale * Double(max(height, width)) > Double(cap) {
            scale = Double(cap) / Double(max(height, width))
        }
        return (Int(Double(height) * scale + 0.5), Int(Double(width) * scale + 0.5))
    }

    /// The test-time plan: short edge `testShortEdge`, long edge ≤ `testMaximumLongEdge`, no flip.
    public static func test(height: Int, width: Int, config: AugmentationConfig) -> GeometricPlan {
        let size = resizedSize(height: height, width: width, shortEdge: config.testShortEdge,
                               maximumLongEdge: config.testMaximumLongEdge)
        return GeometricPlan(flip: false, originX: 0, originY: 0,
                             scaleX: Double(size.width) / Double(width), scaleY: Double(size.height) / Double(height),
                             outputWidth: size.width, outputHeight: size.height)
    }

    /// A training plan drawn as spec §11.3: path A (flip, multi-scale resize) or path B (flip, resize,
    /// random absolute-range crop, multi-scale resize), composed into one affine map.
    public static func training(height: Int, width: Int, config: AugmentationConfig, random: inout DataRandom) -> GeometricPlan {
        let useCrop = random.chance(config.cropProbability)
        let flip = random.chance(config.flipProbability)
        var originX = 0.0, originY = 0.0
        // The region of the (mirrored) original that the final resize sees, in original pixels.
        var regionWidth = Double(width), regionHeight = Double(height)
        if useCrop {
            let first = config.cropShortEdges[random.integer(0...(config.cropShortEdges.count - 1))]
            let resized = resizedSize(height: height, width: width, shortEdge: first, maximumLongEdge: nil)
            let cropHeight = random.integer(min(resized.height, config.cropMinimum)...min(resized.height, config.cropMaximum))
            let cropWidth = random.integer(min(resized.width, config.cropMinimum)...min(resized.width, config.cropMaximum))
            let top = random.integer(0...(resized.height - cropHeight))
            let left = random.integer(0...(resized.width - cropWidth))
            let toOriginalX = Double(width) / Double(resized.width), toOriginalY = Double(height) / Double(resized.height)
            originX = Double(left) * toOriginalX
            originY = Double(top) * toOriginalY
            regionWidth = Double(cropWidth) * toOriginalX
            regionHeight = Double(cropHeight) * toOriginalY
            let finalShort = config.shortEdges[random.integer(0...(config.shortEdges.count - 1))]
            let output = resizedSize(height: cropHeight, width: cropWidth, shortEdge: finalShort, maximumLongEdge: config.maximumLongEdge)
            return GeometricPlan(flip: flip, originX: originX, originY: originY,
                                 scaleX: Double(output.width) / regionWidth, scaleY: Double(output.height) / regionHeight,
                                 outputWidth: output.width, outputHeight: output.height)
        }
        let short = config.shortEdges[random.integer(0...(config.shortEdges.count - 1))]
        let output = resizedSize(height: height, width: width, shortEdge: short, maximumLongEdge: config.maximumLongEdge)
        return GeometricPlan(flip: flip, originX: 0, originY: 0,
                             scaleX: Double(output.width) / regionWidth, scaleY: Double(output.height) / regionHeight,
                             outputWidth: output.width, outputHeight: output.height)
    }

    /// Maps an original x coordinate (a continuous position, pixel edges at integers) to output pixels.
    public func mapX(_ x: Double, imageWidth: Int) -> Double {
        ((flip ? Double(imageWidth) - x : x) - originX) * scaleX
    }

    public func mapY(_ y: Double) -> Double { (y - originY) * scaleY }
}

extension AugmentationConfig {
    /// The reference pipeline re-scaled to a test short edge (the workbench's `data.image_size`), with the
    /// long-edge cap (`data.max_size`) for both training and test, and flip/crop switched on or off.
    public init(shortEdge: Int, maximumLongEdge: Int, flip: Bool, crop: Bool) {
        var config = AugmentationConfig().scaled(toTestShortEdge: shortEdge)
        config.maximumLongEdge = maximumLongEdge
        config.testMaximumLongEdge = maximumLongEdge
        config.flipProbability = flip ? 0.5 : 0
        config.cropProbability = crop ? 0.5 : 0
        self = config
    }
}
