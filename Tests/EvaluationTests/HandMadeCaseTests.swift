// Hand-made cases whose answers follow from the COCO definitions: perfect predictions, a miss, duplicates,
// crowd regions, empty images, area-range boundaries, categories without ground truth and detection limits.
import XCTest
import Structures
@testable import Evaluation

/// A w×h rectangle mask at (x, y) in an image of the given size.
func rectangle(_ x: Int, _ y: Int, _ w: Int, _ h: Int, imageWidth: Int = 200, imageHeight: Int = 160) -> RLE {
    var mask = BitMask(width: imageWidth, height: imageHeight)
    for row in y..<(y + h) { for column in x..<(x + w) { mask[column, row] = true } }
    return RLE(mask)
}

final class HandMadeCaseTests: XCTestCase {
    let images = [EvaluationImage(id: 1, width: 200, height: 160), EvaluationImage(id: 2, width: 200, height: 160)]
    let categories = [EvaluationCategory(id: 1, name: "a"), EvaluationCategory(id: 2, name: "b")]

    /// One small (10×10), one medium (40×40) and one large (100×100) object in image 1, category 1.
    func objects() -> [GroundTruthAnnotation] {
        [GroundTruthAnnotation(id: 1, imageId: 1, categoryId: 1, mask: rectangle(5, 5, 10, 10)),
         GroundTruthAnnotation(id: 2, imageId: 1, categoryId: 1, mask: rectangle(30, 5, 40, 40)),
         GroundTruthAnnotation(id: 3, imageId: 1, categoryId: 1, mask: rectangle(80, 50, 100, 100))]
    }

    func evaluate(_ annotations: [GroundTruthAnnotation], _ detections: [Detection], _ type: IoUType = .segm,
                  maxDetections: Int = 100) throws -> EvaluationResult {
        let groundTruth = try GroundTruth(images: images, categories: categories, annotations: annotations)
        return try COCOEvaluator.evaluate(groundTruth: groundTruth, detections: detections,
                                          parameters: EvaluationParameters(iouType: type, maxDetections: maxDetections))
    }

    func perfect(_ annotations: [GroundTruthAnnotation], scores: [Double]? = nil) -> [Detection] {
        annotations.enumerated().map { index, a in
            let mask = try! a.segmentation!.rle(imageHeight: 160, imageWidth: 200)
            return Detection(imageId: a.imageId, categoryId: a.categoryId, score: scores?[index] ?? 0.9, mask: mask)
        }
    }

    func testPerfectPredictionsGiveOneEverywhere() throws {
        for type in IoUType.allCases {
            let result = try evaluate(objects(), perfect(objects()), type)
            // Precision is tp / (tp + fp + eps) as in pycocotools, hence 1 − 1e-16 rather than exactly 1. Three
            // objects in one image: a limit of one detection per image recalls a third of them.
            var expected = [Double](repeating: 1, count: 12)
            expected[6] = 1.0 / 3
            for (ours, theirs) in zip(result.summary.values, expected) { XCTAssertEqual(ours, theirs, accuracy: 1e-12, "\(type)") }
            XCTAssertEqual(result.perCategoryAP[1]!, 1, accuracy: 1e-12)
            XCTAssertEqual(result.perCategoryAP[2], -1, "a category without ground truth is −1")
        }
    }

    func testOneMissHalvesRecall() throws {
        let gt = Array(objects().prefix(2)).map { a -> GroundTruthAnnotation in var b = a; b.area = 5000; return b }
        let result = try evaluate(gt, perfect([gt[0]]))
        let reached = Double(EvaluationParameters.linspace(0, 1, count: 101).filter { $0 <= 0.5 }.count)
        XCTAssertEqual(result.summary["AP"], reached / 101, accuracy: 1e-12)
        XCTAssertEqual(result.summary["AR100"], 0.5)
        XCTAssertEqual(result.summary["AR1"], 0.5)
    }

    func testDuplicatesAndFalsePositivesByScoreOrder() throws {
        let gt = [objects()[1]]
        // The duplicate scores lower than the true positive: precision stays 1 up to full recall.
        let duplicateAfter = perfect(gt, scores: [0.9]) + perfect(gt, scores: [0.5])
        XCTAssertEqual(try evaluate(gt, duplicateAfter).summary["AP"], 1, accuracy: 1e-12)
        // The duplicate scores higher: it takes the match, the other becomes the false positive; still AP 1.
        XCTAssertEqual(try evaluate(gt, perfect(gt, scores: [0.5]) + perfect(gt, scores: [0.9])).summary["AP"], 1, accuracy: 1e-12)
        // A false positive ahead of the true positive: precision 1/2 at recall 1.
        let miss = Detection(imageId: 1, categoryId: 1, score: 0.95, mask: rectangle(150, 0, 40, 40))
        XCTAssertEqual(try evaluate(gt, [miss] + perfect(gt)).summary["AP"], 0.5, accuracy: 1e-12)
        // One detection per image at maxDets=1: AR1 counts only the top-scored one.
        let result = try evaluate(objects(), perfect(objects(), scores: [0.3, 0.2, 0.1]))
        XCTAssertEqual(result.summary["AR1"], 1.0 / 3, accuracy: 1e-12)
    }

    func testCrowdRegionsAbsorbDetectionsWithoutPenalty() throws {
        let crowd = GroundTruthAnnotation(id: 9, imageId: 1, categoryId: 1, mask: rectangle(100, 0, 90, 40), isCrowd: true)
        let gt = [objects()[1], crowd]
        // Three detections inside the crowd region, scored above the true positive: ignored, not false positives.
        let inCrowd = (0..<3).map { Detection(imageId: 1, categoryId: 1, score: 0.99 - Double($0) * 0.01, mask: rectangle(105 + 25 * $0, 5, 20, 20)) }
        for type in IoUType.allCases {
            let result = try evaluate(gt, inCrowd + perfect([gt[0]], scores: [0.5]), type)
            XCTAssertEqual(result.summary["AP"], 1, accuracy: 1e-12, "\(type)")
            XCTAssertEqual(result.summary["AR100"], 1, "crowd regions are not counted as misses (\(type))")
            // The same detections against a non-crowd object of that shape are false positives first.
            var notCrowd = crowd
            notCrowd.isCrowd = false
            XCTAssertLessThan(try evaluate([gt[0], notCrowd], inCrowd + perfect([gt[0]], scores: [0.5]), type).summary["AP"], 0.5)
        }
        // Crowd IoU is intersection over the detection's area.
        let inside = rectangle(105, 5, 20, 20), region = try crowd.segmentation!.rle(imageHeight: 160, imageWidth: 200)
        XCTAssertEqual(inside.iou(region, otherIsCrowd: true), 1)
        XCTAssertEqual(IoU.boxes([[105, 5, 20, 20]], [[100, 0, 90, 40]], crowd: [true])[0][0], 1)
    }

    func testEmptyImages() throws {
        let gt = objects()
        // Image 2 has no objects: a detection there is a false positive, harmless when scored last.
        let strayLow = Detection(imageId: 2, categoryId: 1, score: 0.1, mask: rectangle(0, 0, 50, 50))
        XCTAssertEqual(try evaluate(gt, perfect(gt) + [strayLow]).summary["AP"], 1, accuracy: 1e-12)
        var strayHigh = strayLow
        strayHigh.score = 0.99
        let result = try evaluate(gt, perfect(gt) + [strayHigh])
        XCTAssertLessThan(result.summary["AP"], 1)
        XCTAssertNotNil(result.imageEvaluation(imageId: 2, categoryId: 1))
        // No objects and no detections: no per-image record at all.
        XCTAssertNil(try evaluate(gt, perfect(gt)).imageEvaluation(imageId: 2, categoryId: 1))
    }

    func testAreaRangeBoundariesAreInclusive() throws {
        // Area exactly 32² belongs to both small and medium; 32²+1 only to medium.
        var boundary = GroundTruthAnnotation(id: 1, imageId: 1, categoryId: 1, mask: rectangle(10, 10, 32, 32))
        XCTAssertEqual(boundary.area, 1024)
        var result = try evaluate([boundary], perfect([boundary]))
        XCTAssertEqual(result.summary["APs"], 1, accuracy: 1e-12)
        XCTAssertEqual(result.summary["APm"], 1, accuracy: 1e-12)
        XCTAssertEqual(result.summary["APl"], -1)
        boundary.area = 1025  // the annotation's area field decides, not the mask
        result = try evaluate([boundary], perfect([boundary]))
        XCTAssertEqual(result.summary["APs"], -1)
        XCTAssertEqual(result.summary["APm"], 1, accuracy: 1e-12)
        // A false positive outside the range is ignored there: medium AP stays 1 despite a small high-scored miss.
        let smallMiss = Detection(imageId: 1, categoryId: 1, score: 0.99, mask: rectangle(150, 100, 5, 5))
        result = try evaluate([boundary], [smallMiss] + perfect([boundary]))
        XCTAssertEqual(result.summary["APm"], 1, accuracy: 1e-12)
        XCTAssertEqual(result.summary["AP"], 0.5, accuracy: 1e-12)
    }

    func testDetectionLimitAboveOneHundred() throws {
        // 150 separate 8×8 boxes, all detected perfectly.
        let gt = (0..<150).map { i in
            GroundTruthAnnotation(id: i + 1, imageId: 1, categoryId: 1, bbox: [Double(i % 15) * 12, Double(i / 15) * 12, 8, 8], area: 64)
        }
        let detections = gt.enumerated().map { i, a in Detection(imageId: 1, categoryId: 1, score: 1 - Double(i) * 0.001, bbox: a.bbox) }
        let capped = try evaluate(gt, detections, .bbox)
        XCTAssertEqual(capped.summary["AR100"], 100.0 / 150, accuracy: 1e-12)
        XCTAssertLessThan(capped.summary["AP"], 0.7)
        let raised = try evaluate(gt, detections, .bbox, maxDetections: 200)
        XCTAssertEqual(raised.summary["AP"], 1, accuracy: 1e-12)
        XCTAssertEqual(raised.summary["AR100"], 1)
        XCTAssertEqual(raised.parameters.maxDetections, [1, 10, 200])
        XCTAssertTrue(raised.table.contains("maxDets=200 ] = 1.000"), raised.table)
    }
}
