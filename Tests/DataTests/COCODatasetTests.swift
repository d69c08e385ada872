// The COCO reader on a fixture mixing polygons (two parts), uncompressed and compressed RLE and a crowd
// region (areas and boxes from pycocotools), the category map, and every kind of bad input.
import Data
import Foundation
import Structures
import XCTest

final class COCODatasetTests: XCTestCase {
    func testMixedFormatsMatchPycocotools() throws {
        let dataset = try COCODataset(annotationFile: DataTestPaths.fixture("coco_mixed.json"), imageDirectory: DataTestPaths.fixtures.path)
        let expected = try JSONSerialization.jsonObject(with: Foundation.Data(contentsOf: URL(fileURLWithPath: DataTestPaths.fixture("coco_mixed_expected.json")))) as! [String: [String: Any]]
        XCTAssertEqual(dataset.count, 3)
        XCTAssertEqual(dataset.issues, [])
        XCTAssertEqual(dataset.formatCounts[.polygon], 2)
        XCTAssertEqual(dataset.formatCounts[.compressedRLE], 1)
        XCTAssertEqual(dataset.formatCounts[.uncompressedRLE], 1)
        XCTAssertTrue(dataset.annotations[2].isEmpty, "image 3 has no annotations and is kept")
        var seen = 0
        for (index, list) in dataset.annotations.enumerated() {
            let record = dataset.images[index]
            for instance in list {
                let want = try XCTUnwrap(expected[String(instance.annotationID)])
                let mask = try COCODataset.mask(of: instance, width: record.width, height: record.height)
                XCTAssertEqual(mask.area, want["area"] as? Int, "annotation \(instance.annotationID)")
                let box = try XCTUnwrap(mask.boundingBox)
                XCTAssertEqual([Double(box.x1), Double(box.y1), Double(box.x2 - box.x1), Double(box.y2 - box.y1)],
                               want["bbox"] as? [Double], "annotation \(instance.annotationID)")
                seen += 1
            }
        }
        XCTAssertEqual(seen, 4)
        let crowd = dataset.annotations[1].first { $0.annotationID == 12 }
        XCTAssertEqual(crowd?.isCrowd, true)
    }

    func testCategoryIDsMapToContiguousClassesAndBack() throws {
        let dataset = try COCODataset(annotationFile: DataTestPaths.fixture("coco_mixed.json"), imageDirectory: DataTestPaths.fixtures.path)
        XCTAssertEqual(dataset.categories.ids, [3, 7])
        XCTAssertEqual(dataset.classNames, ["three", "seven"])
        XCTAssertEqual(dataset.categories.classIndex(ofCategoryID: 7), 1)
        XCTAssertEqual(dataset.categories.categoryID(ofClass: 0), 3)
        XCTAssertNil(dataset.categories.classIndex(ofCategoryID: 5))
        let polygon = dataset.annotations[0].first { $0.annotationID == 10 }
        XCTAssertEqual(polygon?.classIndex, 0)
    }

    func testCrowdRegionsAreDroppedByTrainingTransforms() throws {
        let dataset = try COCODataset(annotationFile: DataTestPaths.fixture("coco_mixed.json"), imageDirectory: DataTestPaths.fixtures.path)
        var config = AugmentationConfig()
        config.testShortEdge = 30
        var unused = DataRandom(seed: 0)
        let transformed = try SampleTransform(config: config, training: false).apply(try dataset.sample(at: 1), random: &unused)
        XCTAssertEqual(transformed.targets.count, 1, "the crowd region must not be a training target")
        XCTAssertEqual(transformed.targets.classes, [0])
    }

    // MARK: bad input

    private func write(_ json: String, images: [String] = ["a.png"]) throws -> (String, String) {
        let folder = try DataTestPaths.temporaryDirectory()
        for name in images { try FileManager.default.copyItem(atPath: DataTestPaths.fixture(name), toPath: folder.appendingPathComponent(name).path) }
        let path = folder.appendingPathComponent("instances.json").path
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return (path, folder.path)
    }

    private let image = #"{"id": 1, "file_name": "a.png", "width": 40, "height": 30}"#
    private let category = #"{"id": 1, "name": "thing"}"#
    private func annotation(_ id: Int, image: Int = 1, category: Int = 1, segmentation: String = "[[1,1,10,1,10,10,1,10]]",
                            bbox: String = "[1,1,9,9]") -> String {
        #"{"id": \#(id), "image_id": \#(image), "category_id": \#(category), "segmentation": \#(segmentation), "bbox": \#(bbox), "area": 81, "iscrowd": 0}"#
    }

    func testFatalProblemsThrowNamingTheFile() throws {
        let cases: [(String, String)] = [
            ("{\"images\": [", "not valid JSON"),
            ("[1, 2]", "top level is not an object"),
            ("{\"images\": [], \"categories\": []}", "\"annotations\""),
            ("{\"images\": [{\"id\": 1, \"width\": 4, \"height\": 4}], \"categories\": [], \"annotations\": []}", "\"file_name\""),
            ("{\"images\": [], \"categories\": [{\"id\": 1}], \"annotations\": []}", "\"name\""),
            ("{\"images\": [\(image)], \"categories\": [\(category)], \"annotations\": [{\"id\": 1, \"image_id\": 1, \"category_id\": 1}]}", "\"segmentation\""),
            ("{\"images\": \"none\", \"categories\": [], \"annotations\": []}", "not a list"),
        ]
        for (json, phrase) in cases {
            let (path, folder) = try write(json)
            XCTAssertThrowsError(try COCODataset(annotationFile: path, imageDirectory: folder), phrase) { error in
                XCTAssertTrue("\(error)".contains(path), "error does not name the file: \(error)")
                XCTAssertTrue("\(error)".contains(phrase), "expected '\(phrase)' in: \(error)")
            }
        }
        XCTAssertThrowsError(try COCODataset(annotationFile: "/no/such/instances.json", imageDirectory: "/no")) {
            XCTAssertTrue("\($0)".contains("/no/such/instances.json"))
        }
    }

    func testBadAnnotationsAreReportedAndSkipped() throws {
        let annotations = [
            annotation(1),                                                   // fine
            annotation(2, image: 99),                                        // unknown image
            annotation(3, category: 42),                                     // unknown category
            annotation(4, segmentation: "[[1,1,5,5]]"),                      // 2 points: degenerate polygon
            annotation(5, segmentation: "[[3,3,3,3,3,3]]"),                  // zero-area polygon
            annotation(6, bbox: "[1,1,0,5]"),                                // degenerate box
            annotation(7, segmentation: #"{"size": [30, 40], "counts": [5, 3]}"#),   // counts do not cover the image
            annotation(8, segmentation: #"{"size": [20, 40], "counts": "PP"}"#),     // wrong size for its image
            annotation(9, segmentation: "[[1,1,10,1,10,10,1,10], [2,2]]"),   // one usable part of two: kept
        ].joined(separator: ",")
        let json = #"{"images": [\#(image), {"id": 2, "file_name": "gone.png", "width": 40, "height": 30}], "categories": [\#(category)], "annotations": [\#(annotations), \#(annotation(10, image: 2))]}"#
        let (path, folder) = try write(json)
        let dataset = try COCODataset(annotationFile: path, imageDirectory: folder)
        XCTAssertEqual(dataset.count, 1, "the image whose file is missing is left out")
        XCTAssertEqual(dataset.annotations[0].map(\.annotationID), [1, 9])
        let kinds = dataset.issues.map(\.kind)
        XCTAssertEqual(kinds.filter { $0 == .missingImage }.count, 1)
        XCTAssertEqual(kinds.filter { $0 == .unknownImage }.count, 1)
        XCTAssertEqual(kinds.filter { $0 == .unknownCategory }.count, 1)
        XCTAssertEqual(kinds.filter { $0 == .degeneratePolygon }.count, 2)
        XCTAssertEqual(kinds.filter { $0 == .degenerateBox }.count, 1)
        XCTAssertEqual(kinds.filter { $0 == .badSegmentation }.count, 2)
        for issue in dataset.issues { XCTAssertTrue(issue.description.contains(path), "\(issue)") }
        XCTAssertTrue(dataset.issues.contains { $0.message.contains("gone.png") })
        let report = DatasetReport(dataset).text
        XCTAssertTrue(report.contains("problems reported and skipped: 8"), report)
    }

    func testCorruptOrMismatchedImageFailsWhenReadNamingTheFile() throws {
        let (path, folder) = try write(#"{"images": [{"id": 1, "file_name": "truncated.png", "width": 13, "height": 9}, {"id": 2, "file_name": "a.png", "width": 41, "height": 30}], "categories": [\#(category)], "annotations": []}"#,
                                       images: ["truncated.png", "a.png"])
        let dataset = try COCODataset(annotationFile: path, imageDirectory: folder)
        XCTAssertThrowsError(try dataset.sample(at: 0)) { XCTAssertTrue("\($0)".contains("truncated.png"), "\($0)") }
        XCTAssertThrowsError(try dataset.sample(at: 1)) {
            XCTAssertTrue("\($0)".contains("a.png") && "\($0)".contains("40x30"), "\($0)")
        }
    }

    func testReportCountsClassesSizesAndFormats() throws {
        let dataset = try COCODataset(annotationFile: DataTestPaths.fixture("coco_mixed.json"), imageDirectory: DataTestPaths.fixtures.path)
        let report = DatasetReport(dataset)
        XCTAssertEqual(report.imageCount, 3)
        XCTAssertEqual(report.instanceCount, 4)
        XCTAssertEqual(report.crowdCount, 1)
        XCTAssertEqual(report.classes.map(\.instances), [2, 2])
        XCTAssertEqual(report.imagesWithoutAnnotations, ["a.png"])
        XCTAssertEqual(report.small + report.medium + report.large, 3)
        XCTAssertEqual(report.perImageMaximum, 2)
        XCTAssertTrue(report.text.contains("compressed RLE 1"))
    }
}
