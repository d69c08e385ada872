// Applies a geometric plan to one annotated image: resamples the pixels, maps polygons and re-rasterises
// them at the output size (spec §11.3), resamples RLE/bitmask masks by nearest neighbour, maps and clips
// boxes, and drops crowd regions and instances that vanish (spec §9.1).
import Foundation
import Structures

/// One image ready for batching: resized (unpadded) pixels and targets in its coordinates.
public struct TransformedSample: Sendable {
    public var imageID: Int
    public var image: RGBImage
    public var originalSize: (height: Int, width: Int)
    public var targets: InstanceTargets
    /// The plan that produced this sample (for debugging and for mapping predictions back).
    public var plan: GeometricPlan
}

public struct SampleTransform: Sendable {
    public var config: AugmentationConfig
    /// Training draws a random plan (flip, multi-scale, crop); otherwise the fixed test resize is used.
    public var training: Bool

    public init(config: AugmentationConfig = AugmentationConfig(), training: Bool) {
        self.config = config
        self.training = training
    }

    /// Draws the plan from `random` (training) or uses the test plan, then applies it.
    public func apply(_ sample: DatasetSample, random: inout DataRandom) throws -> TransformedSample {
        let plan = training
            ? GeometricPlan.training(height: sample.image.height, width: sample.image.width, config: config, random: &random)
            : GeometricPlan.test(height: sample.image.height, width: sample.image.width, config: config)
        return try apply(sample, plan: plan)
    }

    public func apply(_ sample: DatasetSample, plan: GeometricPlan) throws -> TransformedSample {
        let width = sample.image.width, height = sample.image.height
        let source = plan.flip ? ImageResampling.flippedHorizontally(sample.image) : sample.image
        let image = ImageResampling.resample(source, outputWidth: plan.outputWidth, outputHeight: plan.outputHeight,
                                             scaleX: plan.scaleX, scaleY: plan.scaleY, originX: plan.originX, originY: plan.originY)
        var classes: [Int] = [], boxes: [SIMD4<Float>] = [], masks: [BitMask] = []
        for instance in sample.instances where !instance.isCrowd {
            let b = instance.box
            var x1 = plan.mapX(b[0], imageWidth: width), x2 = plan.mapX(b[0] + b[2], imageWidth: width)
            if x1 > x2 { swap(&x1, &x2) }
            var y1 = plan.mapY(b[1]), y2 = plan.mapY(b[1] + b[3])
            x1 = min(max(x1, 0), Double(plan.outputWidth)); x2 = min(max(x2, 0), Double(plan.outputWidth))
            y1 = min(max(y1, 0), Double(plan.outputHeight)); y2 = min(max(y2, 0), Double(plan.outputHeight))
            guard x2 - x1 > 1e-5, y2 - y1 > 1e-5 else { continue }
            let mask = try SampleTransform.transformedMask(instance.segmentation, plan: plan, imageWidth: width, imageHeight: height)
            guard mask.bits.contains(1) else { continue }
            classes.append(instance.classIndex)
            boxes.append(SIMD4(Float(x1), Float(y1), Float(x2), Float(y2)))
            masks.append(mask)
        }
        return TransformedSample(imageID: sample.imageID, image: image, originalSize: (height, width),
                                 targets: InstanceTargets(classes: classes, boxes: boxes, masks: masks), plan: plan)
    }

    /// The instance mask at the plan's output size.
    static func transformedMask(_ segmentation: Segmentation, plan: GeometricPlan, imageWidth: Int, imageHeight: Int) throws -> BitMask {
        switch segmentation {
        case .polygons(let polygons):
            // Polygons are mapped exactly and rasterised at the output size, as the reference pipeline does.
            let mapped = polygons.map { polygon -> [Double] in
                var xy = polygon
                for k in stride(from: 0, to: xy.count - 1, by: 2) {
                    xy[k] = plan.mapX(xy[k], imageWidth: imageWidth)
                    xy[k + 1] = plan.mapY(xy[k + 1])
                }
                return xy
            }
            return try Polygon.rasterize(polygons: mapped, height: plan.outputHeight, width: plan.outputWidth).toBitMask()
        case .rle(let rle):
            return MaskResampling.nearest(columns: MaskResampling.columnRuns(of: rle), sourceWidth: imageWidth, plan: plan)
        case .mask(let mask):
            return MaskResampling.nearest(columns: MaskResampling.columnRuns(of: mask), sourceWidth: imageWidth, plan: plan)
        }
    }
}

/// Nearest-neighbour mask resampling that works on per-column foreground row ranges, so that a sparse mask
/// (one nucleus in a 1000×1000 image) costs its own size, not the image's.
enum MaskResampling {
    /// For each source column, its foreground rows as half-open ranges.
    static func columnRuns(of rle: RLE) -> [[Range<Int>]] {
        var columns = [[Range<Int>]](repeating: [], count: rle.width)
        guard rle.height > 0 else { return columns }
        for interval in rle.foregroundIntervals {
            var start = interval.start
            while start < interval.end {
                let column = start / rle.height, columnEnd = (column + 1) * rle.height
                let end = min(interval.end, columnEnd)
                columns[column].append((start - column * rle.height)..<(end - column * rle.height))
                start = end
            }
        }
        return columns
    }

    static func columnRuns(of mask: BitMask) -> [[Range<Int>]] {
        var columns = [[Range<Int>]](repeating: [], count: mask.width)
        for x in 0..<mask.width {
            var y = 0
            while y < mask.height {
                if mask.bits[y * mask.width + x] == 0 { y += 1; continue }
                let start = y
                while y < mask.height && mask.bits[y * mask.width + x] != 0 { y += 1 }
                columns[x].append(start..<y)
            }
        }
        return columns
    }

    /// Output pixel (x', y') takes the source pixel containing its centre's pre-image.
    static func nearest(columns: [[Range<Int>]], sourceWidth: Int, plan: GeometricPlan) -> BitMask {
        var output = BitMask(width: plan.outputWidth, height: plan.outputHeight)
        for x in 0..<plan.outputWidth {
            let mirrored = (Double(x) + 0.5) / plan.scaleX + plan.originX
            let sourceX = Int(floor(plan.flip ? Double(sourceWidth) - mirrored : mirrored))
            guard sourceX >= 0 && sourceX < sourceWidth else { continue }
            for run in columns[sourceX] {
                // Rows whose centre maps into [run.lowerBound, run.upperBound).
                let low = max(0, Int(ceil((Double(run.lowerBound) - plan.originY) * plan.scaleY - 0.5)))
                let high = min(plan.outputHeight, Int(ceil((Double(run.upperBound) - plan.originY) * plan.scaleY - 0.5)))
                if low >= high { continue }
                for y in low..<high { output.bits[y * plan.outputWidth + x] = 1 }
            }
        }
        return output
    }
}
