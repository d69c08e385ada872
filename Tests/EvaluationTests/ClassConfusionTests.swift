// Class confusion counts on hand-made cases: the top-scoring overlapping detection names an object's class,
// misses and low-IoU overlaps go to `missed`, a right-class detection ranked lower counts as present, area
// ranges split the counts, and bad input is refused.
import XCTest
import Structures
@testable import Evaluation

final class ClassConfusionTests: XCTestCase {
    let images = [EvaluationImage(id: 1, width: 200, height: 160), EvaluationImage(id: 2, width: 200, height: 160)]
    let categories = [EvaluationCategory(id: 7, name: "square"), EvaluationCategory(id: 3, name: "circle")]

    /// Image 1: a small square (10×10) and a medium circle (40×40); image 2: a medium square (50×50).
    func groundTruth() throws -> GroundTruth {
        try GroundTruth(images: images, categories: categories, annotations: [
            GroundTruthAnnotation(id: 1, imageId: 1, categoryId: 7, mask: rectangle(5, 5, 10, 10)),
            GroundTruthAnnotation(id: 2, imageId: 1, categoryId: 3, mask: rectangle(30, 5, 40, 40)),
            GroundTruthAnnotation(id: 3, imageId: 2, categoryId: 7, mask: rectangle(60, 60, 50, 50)),
        ])
    }

    func testTopScoringOverlapNamesTheClassAndLowerRightClassCountsAsPresent() throws {
        let detections = [
            // The small square: taken for a circle (0.9) above its right class (0.4).
            Detection(imageId: 1, categoryId: 3, score: 0.9, mask: rectangle(5, 5, 10, 10)),
            Detection(imageId: 1, categoryId: 7, score: 0.4, mask: rectangle(5, 5, 10, 10)),
            // The circle: right class, top score.
            Detection(imageId: 1, categoryId: 3, score: 0.8, mask: rectangle(30, 5, 40, 40)),
            // The medium square: only a half-covering square (IoU 0.5 exactly counts) and a poor circle (IoU 0.2).
            Detection(imageId: 2, categoryId: 3, score: 0.95, mask: rectangle(60, 60, 50, 10)),
            Detection(imageId: 2, categoryId: 7, score: 0.3, mask: rectangle(60, 60, 50, 25)),
        ]
        let confusion = try ClassConfusion.compute(groundTruth: try groundTruth(), detections: detections, iouType: .segm)
        // Categories sorted by id: circle (3), square (7); the last column counts missed objects.
        XCTAssertEqual(confusion.categoryNames, ["circle", "square"])
        XCTAssertEqual(confusion.counts[0], [[1, 0, 0], [1, 1, 0]])
        XCTAssertEqual(confusion.present[0], [1, 2])
        XCTAssertEqual(confusion.rightClassRate(category: 1), 0.5)
        XCTAssertEqual(confusion.rightClassRate(category: 0), 1)
        // Area ranges follow the object: the small square alone in `small`, the other two in `medium`.
        let small = AreaRange.coco.firstIndex { $0.label == "small" }!, medium = AreaRange.coco.firstIndex { $0.label == "medium" }!
        XCTAssertEqual(confusion.counts[small], [[0, 0, 0], [1, 0, 0]])
        XCTAssertEqual(confusion.counts[medium], [[1, 0, 0], [0, 1, 0]])
        XCTAssertEqual(confusion.present[small], [0, 1])
        let table = confusion.table
        XCTAssertTrue(table.contains("objects (all, 3)") && table.contains("IoU ≥ 0.50"), table)
        XCTAssertFalse(table.contains("(large"), "area ranges without objects are left out:\n\(table)")
    }

    func testBelowThresholdAndDetectionLimitCountAsMissed() throws {
        let detections = [
            Detection(imageId: 1, categoryId: 7, score: 0.2, mask: rectangle(5, 5, 10, 10)),
            Detection(imageId: 1, categoryId: 3, score: 0.9, mask: rectangle(100, 100, 10, 10)),
            Detection(imageId: 1, categoryId: 3, score: 0.7, mask: rectangle(30, 5, 40, 15)),
        ]
        // With one detection per image only the 0.9 one counts, and it overlaps nothing.
        let limited = try ClassConfusion.compute(groundTruth: try groundTruth(), detections: detections, iouType: .segm, maxDetections: 1)
        XCTAssertEqual(limited.counts[0], [[0, 0, 1], [0, 0, 2]])
        XCTAssertNil(limited.rightClassRate(category: 0))
        // Without the limit the square is found; the circle's 40×15 overlap (IoU 0.375) is still a miss.
        let all = try ClassConfusion.compute(groundTruth: try groundTruth(), detections: detections, iouType: .segm)
        XCTAssertEqual(all.counts[0], [[0, 0, 1], [0, 1, 1]])
        // A lower threshold accepts it.
        let loose = try ClassConfusion.compute(groundTruth: try groundTruth(), detections: detections, iouType: .segm, iouThreshold: 0.3)
        XCTAssertEqual(loose.counts[0], [[1, 0, 0], [0, 1, 1]])
        XCTAssertEqual(loose.dictionary["iou_threshold"] as? Double, 0.3)
    }

    func testBoxIoUAndBadInput() throws {
        let box = Detection(imageId: 2, categoryId: 7, score: 0.5, bbox: [60, 60, 50, 50])
        let boxes = try ClassConfusion.compute(groundTruth: try groundTruth(), detections: [box], iouType: .bbox)
        XCTAssertEqual(boxes.counts[0], [[0, 0, 1], [0, 1, 1]])
        let unknown = Detection(imageId: 2, categoryId: 99, score: 0.5, bbox: [60, 60, 50, 50])
        XCTAssertThrowsError(try ClassConfusion.compute(groundTruth: try groundTruth(), detections: [unknown], iouType: .bbox)) {
            XCTAssertTrue("\($0)".contains("category id 99"), "\($0)")
        }
        let wrongSize = Detection(imageId: 1, categoryId: 7, score: 0.5, mask: rectangle(5, 5, 10, 10, imageWidth: 100, imageHeight: 100))
        XCTAssertThrowsError(try ClassConfusion.compute(groundTruth: try groundTruth(), detections: [wrongSize], iouType: .segm)) {
            XCTAssertTrue("\($0)".contains("100x100"), "\($0)")
        }
    }
}
