// The built-in synthetic instance-segmentation dataset: textured shapes of several classes on cluttered,
// noisy, gradient backgrounds, with occlusion. Image `i` of seed `s` is a pure function of (s, i, config).
import Foundation
import Structures

/// Knobs of the synthetic generator. Missing keys in a decoded config take the defaults below.
public struct SyntheticShapesConfig: Codable, Sendable, Equatable {
    public var width = 128
    public var height = 128
    /// Classes in contiguous-index order.
    public var classes: [ShapeKind] = ShapeKind.allCases
    /// Shapes placed per image (before occlusion drops any), uniform in the closed range.
    public var minimumInstances = 2
    public var maximumInstances = 8
    /// Object diameter as a fraction of the shorter image side, drawn log-uniformly. With the defaults on
    /// 128×128, areas span ~20 px to ~4000 px: COCO's small/medium/large split scaled to the image
    /// (thresholds 32² and 96² on a ~640×480 image are ~5.8% and ~17% of its diagonal-equivalent side).
    public var minimumSizeFraction = 0.06
    public var maximumSizeFraction = 0.55
    /// An instance less visible than this fraction of its in-frame area is removed from the image
    /// altogether (not painted), so that no unlabelled fragments remain; fully hidden ones always go.
    public var minimumVisibleFraction = 0.2
    /// Unlabelled distractors painted under the objects (strokes, blobs), uniform in the closed range.
    public var minimumClutter = 3
    public var maximumClutter = 10
    /// Standard deviation of the per-pixel Gaussian noise on the final image, in 0…255 units.
    public var pixelNoise = 6.0
    /// Probability that an object gets a texture (gradient, stripes, checker, speckle) instead of a flat colour.
    public var texturedProbability = 0.6

    public init() {}

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = SyntheticShapesConfig()
        width = try container.value(.width, or: defaults.width)
        height = try container.value(.height, or: defaults.height)
        classes = try container.value(.classes, or: defaults.classes)
        minimumInstances = try container.value(.minimumInstances, or: defaults.minimumInstances)
        maximumInstances = try container.value(.maximumInstances, or: defaults.maximumInstances)
        minimumSizeFraction = try container.value(.minimumSizeFraction, or: defaults.minimumSizeFraction)
        maximumSizeFraction = try container.value(.maximumSizeFraction, or: defaults.maximumSizeFraction)
        minimumVisibleFraction = try container.value(.minimumVisibleFraction, or: defaults.minimumVisibleFraction)
        minimumClutter = try container.value(.minimumClutter, or: defaults.minimumClutter)
        maximumClutter = try container.value(.maximumClutter, or: defaults.maximumClutter)
        pixelNoise = try container.value(.pixelNoise, or: defaults.pixelNoise)
        texturedProbability = try container.value(.texturedProbability, or: defaults.texturedProbability)
        try validate()
    }

    /// Throws a message naming the offending key when the settings cannot generate images.
    public func validate() throws {
        func check(_ condition: Bool, _ message: String) throws {
            if !condition { throw DatasetError.invalidConfig("synthetic shapes: \(message)") }
        }
        try check(width >= 16 && height >= 16, "width and height must be at least 16 (got \(width)x\(height))")
        try check(!classes.isEmpty && Set(classes).count == classes.count, "classes must be non-empty and distinct")
        try check(minimumInstances >= 0 && maximumInstances >= minimumInstances, "need 0 <= minimumInstances <= maximumInstances")
        try check(minimumSizeFraction > 0 && maximumSizeFraction >= minimumSizeFraction && maximumSizeFraction <= 1.5,
                  "need 0 < minimumSizeFraction <= maximumSizeFraction <= 1.5")
        try check((0...1).contains(minimumVisibleFraction), "minimumVisibleFraction must be in [0, 1]")
        try check(minimumClutter >= 0 && maximumClutter >= minimumClutter, "need 0 <= minimumClutter <= maximumClutter")
        try check(pixelNoise >= 0 && (0...1).contains(texturedProbability), "pixelNoise >= 0 and texturedProbability in [0, 1]")
    }
}

/// `count` synthetic images for one seed; random access, generated on demand (cheap: ~1 ms at 128×128).
public struct SyntheticShapesDataset: InstanceDataset {
    public let config: SyntheticShapesConfig
    public let seed: UInt64
    public let count: Int

    public init(config: SyntheticShapesConfig = SyntheticShapesConfig(), seed: UInt64, count: Int) throws {
        try config.validate()
        precondition(count >= 0, "negative image count")
        self.config = config
        self.seed = seed
        self.count = count
    }

    public var classNames: [String] { config.classes.map(\.rawValue) }

    public func sample(at index: Int) throws -> DatasetSample {
        precondition((0..<count).contains(index), "synthetic image \(index) out of 0..<\(count)")
        var random = DataRandom(seed: seed, stream: UInt64(index))
        var painter = SyntheticPainter(config: config)
        return painter.render(imageID: index + 1, random: &random)
    }
}

/// Draws one image: background and clutter, then shapes back to front, then noise.
struct SyntheticPainter {
    let config: SyntheticShapesConfig
    private var canvas: [Double]

    init(config: SyntheticShapesConfig) {
        self.config = config
        canvas = [Double](repeating: 0, count: config.width * config.height * 3)
    }

    mutating func render(imageID: Int, random: inout DataRandom) -> DatasetSample {
        let width = config.width, height = config.height
        SyntheticBackground.paint(into: &canvas, width: width, height: height, random: &random)
        for _ in 0..<random.integer(config.minimumClutter...config.maximumClutter) {
            SyntheticBackground.paintClutter(into: &canvas, width: width, height: height, random: &random)
        }
        let shapes = placeShapes(random: &random)
        let owners = visibleOwners(of: shapes)
        for (order, shape) in shapes.enumerated() {
            let fill = SyntheticFill.random(against: backgroundColor(at: shape), config: config, random: &random)
            paint(shape, fill: fill, seed: UInt64(order) &+ random.next())
        }
        var pixels = [UInt8](repeating: 0, count: canvas.count)
        for i in 0..<canvas.count {
            let noisy = canvas[i] + config.pixelNoise * random.normal()
            pixels[i] = UInt8(min(255, max(0, noisy.rounded())))
        }
        var instances: [InstanceAnnotation] = []
        for (order, shape) in shapes.enumerated() {
            var mask = BitMask(width: width, height: height)
            for p in 0..<owners.count where owners[p] == order { mask.bits[p] = 1 }
            guard let box = mask.boundingBox else { continue }
            instances.append(InstanceAnnotation(
                annotationID: instances.count + 1, classIndex: config.classes.firstIndex(of: shape.kind)!,
                box: SIMD4(Double(box.x1), Double(box.y1), Double(box.x2 - box.x1), Double(box.y2 - box.y1)),
                segmentation: .mask(mask), area: Double(mask.area)))
        }
        return DatasetSample(imageID: imageID, image: RGBImage(width: width, height: height, pixels: pixels),
                             instances: instances)
    }

    /// Draws shapes, then removes (before painting) those that later shapes hide too much, until stable.
    private func placeShapes(random: inout DataRandom) -> [PlacedShape] {
        let shortSide = Double(min(config.width, config.height))
        var shapes: [PlacedShape] = []
        for _ in 0..<random.integer(config.minimumInstances...config.maximumInstances) {
            let kind = config.classes[random.integer(0...(config.classes.count - 1))]
            let diameter = exp(random.uniform(log(config.minimumSizeFraction), log(config.maximumSizeFraction))) * shortSide
            let radius = max(diameter / 2, 1.5)
            // Centres may sit near the border so that some objects are cut by the frame, as in photos.
            let centerX = random.uniform(-0.2 * radius, Double(config.width) + 0.2 * radius)
            let centerY = random.uniform(-0.2 * radius, Double(config.height) + 0.2 * radius)
            let proportion: Double
            switch kind {
            case .ellipse: proportion = random.uniform(0.4, 0.7)
            case .ring: proportion = random.uniform(0.45, 0.7)
            case .star: proportion = random.uniform(0.38, 0.55)
            case .cross: proportion = random.uniform(0.22, 0.38)
            default: proportion = 1
            }
            shapes.append(PlacedShape(kind: kind, centerX: centerX, centerY: centerY, radius: radius,
                                      angle: random.uniform(0, 2 * Double.pi), proportion: proportion))
        }
        while true {
            let owners = visibleOwners(of: shapes)
            let full = shapes.map { coverage(of: $0).count }
            var visible = [Int](repeating: 0, count: shapes.count)
            for owner in owners where owner >= 0 { visible[owner] += 1 }
            let keep = shapes.indices.filter {
                visible[$0] > 0 && Double(visible[$0]) >= config.minimumVisibleFraction * Double(full[$0])
            }
            if keep.count == shapes.count { return shapes }
            // Removing one shape can only uncover others, so dropping the worst one and re-checking converges.
            let worst = shapes.indices.filter { !keep.contains($0) }.min {
                Double(visible[$0]) / Double(max(full[$0], 1)) < Double(visible[$1]) / Double(max(full[$1], 1))
            }!
            shapes.remove(at: worst)
        }
    }

    /// Pixel indices whose centre lies inside the shape.
    private func coverage(of shape: PlacedShape) -> [Int] {
        var pixels: [Int] = []
        let x0 = max(0, Int((shape.centerX - shape.radius).rounded(.down)))
        let x1 = min(config.width - 1, Int((shape.centerX + shape.radius).rounded(.up)))
        let y0 = max(0, Int((shape.centerY - shape.radius).rounded(.down)))
        let y1 = min(config.height - 1, Int((shape.centerY + shape.radius).rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return [] }
        for y in y0...y1 {
            for x in x0...x1 where shape.contains(x: Double(x) + 0.5, y: Double(y) + 0.5) {
                pixels.append(y * config.width + x)
            }
        }
        return pixels
    }

    /// For each pixel, the index of the front-most shape covering its centre, or −1.
    private func visibleOwners(of shapes: [PlacedShape]) -> [Int] {
        var owners = [Int](repeating: -1, count: config.width * config.height)
        for (order, shape) in shapes.enumerated() {
            for p in coverage(of: shape) { owners[p] = order }
        }
        return owners
    }

    private func backgroundColor(at shape: PlacedShape) -> SIMD3<Double> {
        let x = min(config.width - 1, max(0, Int(shape.centerX))), y = min(config.height - 1, max(0, Int(shape.centerY)))
        let i = (y * config.width + x) * 3
        return SIMD3(canvas[i], canvas[i + 1], canvas[i + 2])
    }

    /// Blends the shape into the canvas with 4×4 supersampled coverage, so edges are anti-aliased
    /// while the mask (pixel centres) stays exact.
    private mutating func paint(_ shape: PlacedShape, fill: SyntheticFill, seed: UInt64) {
        let x0 = max(0, Int((shape.centerX - shape.radius).rounded(.down)))
        let x1 = min(config.width - 1, Int((shape.centerX + shape.radius).rounded(.up)))
        let y0 = max(0, Int((shape.centerY - shape.radius).rounded(.down)))
        let y1 = min(config.height - 1, Int((shape.centerY + shape.radius).rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        for y in y0...y1 {
            for x in x0...x1 {
                var covered = 0
                for sy in 0..<4 {
                    for sx in 0..<4 where shape.contains(x: Double(x) + (Double(sx) + 0.5) / 4,
                                                         y: Double(y) + (Double(sy) + 0.5) / 4) {
                        covered += 1
                    }
                }
                if covered == 0 { continue }
                let alpha = Double(covered) / 16
                let color = fill.color(x: Double(x) - shape.centerX, y: Double(y) - shape.centerY,
                                       radius: shape.radius, seed: seed)
                let i = (y * config.width + x) * 3
                for c in 0..<3 { canvas[i + c] = canvas[i + c] * (1 - alpha) + color[c] * alpha }
            }
        }
    }
}
