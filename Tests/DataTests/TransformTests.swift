// Geometry of the input pipeline: detectron2's resize rule, training plans within their ranges, and the
// fast mask/image resampling against naive per-pixel references under flips, crops and scales.
@testable import Data
import Foundation
import Structures
import XCTest

final class TransformTests: XCTestCase {
    func testResizeRuleMatchesDetectron2() {
        // s = 800 / 480; 640·s = 1066.67 → int(+0.5) = 1067.
        XCTAssertTrue(GeometricPlan.resizedSize(height: 480, width: 640, shortEdge: 800, maximumLongEdge: 1333) == (800, 1067))
        // Long side capped: s = 1333 / 2000, 500·s = 333.25 → 333.
        XCTAssertTrue(GeometricPlan.resizedSize(height: 500, width: 2000, shortEdge: 800, maximumLongEdge: 1333) == (333, 1333))
        XCTAssertTrue(GeometricPlan.resizedSize(height: 500, width: 2000, shortEdge: 800, maximumLongEdge: nil) == (800, 3200))
    }

    func testTrainingPlansStayInTheirRangesAndAreSeeded() {
        let config = AugmentationConfig()
        var flips = 0, crops = 0
        for draw in 0..<400 {
            var random = DataRandom(seed: 1, stream: UInt64(draw))
            let plan = GeometricPlan.training(height: 480, width: 640, config: config, random: &random)
            var again = DataRandom(seed: 1, stream: UInt64(draw))
            XCTAssertEqual(plan, GeometricPlan.training(height: 480, width: 640, config: config, random: &again))
            let short = min(plan.outputWidth, plan.outputHeight), long = max(plan.outputWidth, plan.outputHeight)
            XCTAssertTrue(config.shortEdges.contains(short) || long == config.maximumLongEdge || long == config.maximumLongEdge - 1,
                          "short \(short) long \(long)")
            XCTAssertLessThanOrEqual(long, config.maximumLongEdge)
            if plan.flip { flips += 1 }
            if plan.originX != 0 || plan.originY != 0 || abs(plan.scaleX * 640 - Double(plan.outputWidth)) > 1e-6 {
                crops += 1
                // The crop window (in original pixels) lies inside the image.
                XCTAssertGreaterThanOrEqual(plan.originX, 0)
                XCTAssertLessThanOrEqual(plan.originX + Double(plan.outputWidth) / plan.scaleX, 640 + 1e-6)
                XCTAssertLessThanOrEqual(plan.originY + Double(plan.outputHeight) / plan.scaleY, 480 + 1e-6)
            }
        }
        XCTAssertTrue((150...250).contains(flips), "flips \(flips)")
        XCTAssertTrue((150...250).contains(crops), "crops \(crops)")
    }

    func testScaledConfigShrinksSizes() {
        let small = AugmentationConfig().scaled(toTestShortEdge: 128)
        XCTAssertEqual(small.testShortEdge, 128)
        XCTAssertEqual(small.shortEdges.first, 77)
        XCTAssertEqual(small.shortEdges.last, 128)
        XCTAssertEqual(small.cropShortEdges, [64, 80, 96])
    }

    /// Output pixel centre → source pixel, computed directly per pixel.
    private func naiveNearest(_ mask: BitMask, plan: GeometricPlan) -> BitMask {
        var output = BitMask(width: plan.outputWidth, height: plan.outputHeight)
        for y in 0..<plan.outputHeight {
            for x in 0..<plan.outputWidth {
                let mirrored = (Double(x) + 0.5) / plan.scaleX + plan.originX
                let sx = Int(floor(plan.flip ? Double(mask.width) - mirrored : mirrored))
                let sy = Int(floor((Double(y) + 0.5) / plan.scaleY + plan.originY))
                if sx >= 0, sx < mask.width, sy >= 0, sy < mask.height, mask[sx, sy] { output[x, y] = true }
            }
        }
        return output
    }

    private func randomMask(width: Int, height: Int, random: inout DataRandom) -> BitMask {
        var mask = BitMask(width: width, height: height)
        for _ in 0..<3 {
            let x0 = random.integer(0...(width - 1)), y0 = random.integer(0...(height - 1))
            for y in y0..<min(height, y0 + random.integer(1...12)) {
                for x in x0..<min(width, x0 + random.integer(1...15)) { mask[x, y] = true }
            }
        }
        return mask
    }

    func testFastMaskResamplingMatchesNaiveForRLEAndBitmaps() throws {
        var random = DataRandom(seed: 21)
        for trial in 0..<60 {
            let width = random.integer(5...40), height = random.integer(5...40)
            let mask = randomMask(width: width, height: height, random: &random)
            let plan = GeometricPlan(flip: random.chance(0.5), originX: random.uniform(0, 4), originY: random.uniform(0, 4),
                                     scaleX: random.uniform(0.3, 3), scaleY: random.uniform(0.3, 3),
                                     outputWidth: random.integer(3...50), outputHeight: random.integer(3...50))
            let reference = naiveNearest(mask, plan: plan)
            XCTAssertEqual(try SampleTransform.transformedMask(.mask(mask), plan: plan, imageWidth: width, imageHeight: height),
                           reference, "bitmask trial \(trial)")
            XCTAssertEqual(try SampleTransform.transformedMask(.rle(RLE(mask)), plan: plan, imageWidth: width, imageHeight: height),
                           reference, "RLE trial \(trial)")
        }
    }

    func testImageResamplingIdentityFlipCropAndHalving() {
        var random = DataRandom(seed: 8)
        let image = RGBImage(width: 12, height: 10, pixels: (0..<360).map { _ in UInt8(random.integer(0...255)) })
        let identity = ImageResampling.resample(image, outputWidth: 12, outputHeight: 10, scaleX: 1, scaleY: 1, originX: 0, originY: 0)
        XCTAssertEqual(identity, image)
        let crop = ImageResampling.resample(image, outputWidth: 5, outputHeight: 4, scaleX: 1, scaleY: 1, originX: 3, originY: 2)
        for y in 0..<4 { for x in 0..<5 { XCTAssertTrue(crop[x, y] == image[x + 3, y + 2]) } }
        let flipped = ImageResampling.flippedHorizontally(image)
        for y in 0..<10 { for x in 0..<12 { XCTAssertTrue(flipped[x, y] == image[11 - x, y]) } }
        // Halving: the triangle filter widened to 2 source pixels gives weights 1, 3, 3, 1 (/8) at interior pixels.
        let half = ImageResampling.resample(image, outputWidth: 6, outputHeight: 5, scaleX: 0.5, scaleY: 0.5, originX: 0, originY: 0)
        for y in 1..<4 {
            for x in 1..<5 {
                for c in 0..<3 {
                    let w: [Double] = [1, 3, 3, 1]
                    var value = 0.0
                    for (i, wy) in w.enumerated() {
                        for (j, wx) in w.enumerated() {
                            value += wy * wx * Double(image.pixels[((2 * y - 1 + i) * 12 + 2 * x - 1 + j) * 3 + c])
                        }
                    }
                    XCTAssertEqual(Double(half.pixels[(y * 6 + x) * 3 + c]), (value / 64).rounded(), accuracy: 1.0)
                }
            }
        }
    }

    func testBoxesFollowFlipAndCropAndVanishedInstancesAreDropped() throws {
        var left = BitMask(width: 40, height: 20), right = BitMask(width: 40, height: 20)
        for y in 2..<8 { for x in 2..<10 { left[x, y] = true } }
        for y in 10..<18 { for x in 30..<38 { right[x, y] = true } }
        let sample = DatasetSample(imageID: 1, image: RGBImage(width: 40, height: 20), instances: [
            InstanceAnnotation(annotationID: 1, classIndex: 0, box: SIMD4(2, 2, 8, 6), segmentation: .mask(left), area: 48),
            InstanceAnnotation(annotationID: 2, classIndex: 1, box: SIMD4(30, 10, 8, 8), segmentation: .mask(right), area: 64),
        ])
        let transform = SampleTransform(training: true)
        // Mirror at scale 2: the left box [2, 10) lands at [2·(40−10), 2·(40−2)) = [60, 76).
        let mirrored = try transform.apply(sample, plan: GeometricPlan(flip: true, originX: 0, originY: 0, scaleX: 2, scaleY: 2,
                                                                        outputWidth: 80, outputHeight: 40))
        XCTAssertEqual(mirrored.targets.boxes[0], SIMD4(60, 4, 76, 16))
        XCTAssertEqual(mirrored.targets.masks[0].area, 48 * 4)
        let box = try XCTUnwrap(mirrored.targets.masks[0].boundingBox)
        XCTAssertTrue(box == (60, 4, 76, 16))
        // A crop of the right half at scale 1: the left instance vanishes, the right one is shifted by 20.
        let cropped = try transform.apply(sample, plan: GeometricPlan(flip: false, originX: 20, originY: 0, scaleX: 1, scaleY: 1,
                                                                       outputWidth: 20, outputHeight: 20))
        XCTAssertEqual(cropped.targets.classes, [1])
        XCTAssertEqual(cropped.targets.boxes[0], SIMD4(10, 10, 18, 18))
        // A crop that cuts the right instance keeps its visible part and clips its box.
        let cut = try transform.apply(sample, plan: GeometricPlan(flip: false, originX: 0, originY: 0, scaleX: 1, scaleY: 1,
                                                                   outputWidth: 34, outputHeight: 20))
        XCTAssertEqual(cut.targets.boxes[1], SIMD4(30, 10, 34, 18))
        XCTAssertEqual(cut.targets.masks[1].area, 32)
    }

    func testPolygonsAreMappedThenRasterised() throws {
        let polygon: [Double] = [4, 3, 20, 5, 14, 17, 5, 12]
        let sample = DatasetSample(imageID: 1, image: RGBImage(width: 30, height: 20), instances: [
            InstanceAnnotation(annotationID: 1, classIndex: 0, box: SIMD4(4, 3, 16, 14), segmentation: .polygons([polygon]), area: 0),
        ])
        let plan = GeometricPlan(flip: true, originX: 2, originY: 1, scaleX: 1.5, scaleY: 2, outputWidth: 40, outputHeight: 38)
        let result = try SampleTransform(training: true).apply(sample, plan: plan)
        var mapped = polygon
        for k in stride(from: 0, to: 8, by: 2) { mapped[k] = (30 - mapped[k] - 2) * 1.5; mapped[k + 1] = (mapped[k + 1] - 1) * 2 }
        XCTAssertEqual(result.targets.masks[0], Polygon.rasterize(mapped, height: 38, width: 40).toBitMask())
    }
}

final class WorkbenchKnobTests: XCTestCase {
    func testKnobsBuildAScaledConfigAndAPrefix() throws {
        let config = AugmentationConfig(shortEdge: 128, maximumLongEdge: 213, flip: false, crop: true)
        XCTAssertEqual(config.testShortEdge, 128)
        XCTAssertEqual(config.maximumLongEdge, 213)
        XCTAssertEqual(config.flipProbability, 0)
        XCTAssertEqual(config.cropProbability, 0.5)
        XCTAssertEqual(config.shortEdges.last, 128)
        let base = try SyntheticShapesDataset(seed: 1, count: 10)
        let prefix = DatasetPrefix(base, count: 3)
        XCTAssertEqual(prefix.count, 3)
        XCTAssertEqual(try prefix.sample(at: 2).image, try base.sample(at: 2).image)
        XCTAssertEqual(DatasetPrefix(base, count: 50).count, 10)
    }
}
