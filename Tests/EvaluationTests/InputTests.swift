// Results and ground-truth files: bad input gives errors naming the file and entry, written results read back
// identically, the JSON reader parses decimals exactly, and the run-based mask IoU equals the dense reference.
import XCTest
import Foundation
import Structures
@testable import Evaluation

final class InputTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("eval-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func write(_ text: String, _ name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func groundTruth() throws -> GroundTruth {
        try GroundTruth(images: [EvaluationImage(id: 1, width: 200, height: 160)], categories: [EvaluationCategory(id: 1, name: "a")],
                        annotations: [GroundTruthAnnotation(id: 1, imageId: 1, categoryId: 1, mask: rectangle(10, 10, 30, 30))])
    }

    func assertResultsError(_ text: String, contains expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let path = try write(text, "bad.json")
        XCTAssertThrowsError(try DetectionResults.read(path: path, groundTruth: groundTruth()), file: file, line: line) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(expected) && message.contains("bad.json"), "message: \(message)", file: file, line: line)
        }
    }

    func testBadResultsFilesGiveClearErrors() throws {
        let rle = "{\"size\":[160,200],\"counts\":\"\(rectangle(10, 10, 30, 30).compressedString())\"}"
        try assertResultsError("{\"image_id\": 1}", contains: "JSON list")
        try assertResultsError("[{\"image_id\":7,\"category_id\":1,\"score\":0.5,\"bbox\":[1,2,3,4]}]", contains: "image id 7")
        try assertResultsError("[{\"image_id\":1,\"category_id\":3,\"score\":0.5,\"bbox\":[1,2,3,4]}]", contains: "category id 3")
        try assertResultsError("[{\"image_id\":1,\"category_id\":1,\"score\":NaN,\"bbox\":[1,2,3,4]}]", contains: "non-finite score")
        try assertResultsError("[{\"image_id\":1,\"category_id\":1,\"bbox\":[1,2,3,4]}]", contains: "score")
        try assertResultsError("[{\"image_id\":1,\"category_id\":1,\"score\":0.5,\"bbox\":[1,2,3]}]", contains: "bbox")
        try assertResultsError("[{\"image_id\":1,\"category_id\":1,\"score\":0.5,\"segmentation\":{\"size\":[160,200],\"counts\":\"0 ]\"}}]",
                               contains: "malformed compressed RLE")
        try assertResultsError("[{\"image_id\":1,\"category_id\":1,\"score\":0.5,\"segmentation\":{\"size\":[160,200],\"counts\":\"05\"}}]",
                               contains: "counts sum to")
        try assertResultsError("[{\"image_id\":1,\"category_id\":1,\"score\":0.5,\"segmentation\":{\"size\":[16,200],\"counts\":\"0\"}}]",
                               contains: "size mismatch")
        try assertResultsError("[{\"image_id\":1,\"category_id\":1,\"score\":0.5,\"segmentation\":[[1,2,3,4,5,6]]}]", contains: "not polygons")
        try assertResultsError("[{\"image_id\":1,\"category_id\":1,\"score\":0.5,\"segmentation\":\(rle)},", contains: "not valid JSON")
        // Mixed entries: once the first entry has a box, every entry needs one (pycocotools would crash).
        try assertResultsError("[{\"image_id\":1,\"category_id\":1,\"score\":0.5,\"bbox\":[1,2,3,4]},{\"image_id\":1,\"category_id\":1,\"score\":0.5,\"segmentation\":\(rle)}]",
                               contains: "no \"bbox\"")
        XCTAssertThrowsError(try GroundTruth.load(path: directory.appendingPathComponent("missing.json").path)) {
            XCTAssertTrue("\($0)".contains("missing.json"))
        }
    }

    func testEmptyResultsEvaluateToZero() throws {
        let gt = try groundTruth()
        let detections = try DetectionResults.read(path: try write("[]", "empty.json"), groundTruth: gt)
        XCTAssertTrue(detections.isEmpty)
        let summary = try COCOEvaluator.evaluate(groundTruth: gt, detections: detections, parameters: EvaluationParameters(iouType: .segm)).summary
        XCTAssertEqual(summary["AP"], 0)
        XCTAssertEqual(summary["AR100"], 0)
        XCTAssertEqual(summary["APl"], -1, "no large objects in the ground truth")
    }

    func testInMemoryBadDetectionsAreRejected() throws {
        let gt = try groundTruth()
        let p = EvaluationParameters(iouType: .segm)
        let cases: [(Detection, String)] = [
            (Detection(imageId: 1, categoryId: 1, score: .nan, bbox: [0, 0, 1, 1]), "non-finite score"),
            (Detection(imageId: 5, categoryId: 1, score: 1, bbox: [0, 0, 1, 1]), "image id 5"),
            (Detection(imageId: 1, categoryId: 2, score: 1, bbox: [0, 0, 1, 1]), "category id 2"),
            (Detection(imageId: 1, categoryId: 1, score: 1, mask: rectangle(0, 0, 2, 2, imageWidth: 20, imageHeight: 20)), "mask is 20x20"),
        ]
        for (detection, expected) in cases {
            XCTAssertThrowsError(try COCOEvaluator.evaluate(groundTruth: gt, detections: [detection], parameters: p)) {
                XCTAssertTrue("\($0)".contains(expected), "\($0)")
            }
        }
        var noMask = gt
        noMask.annotations[0].segmentation = nil
        XCTAssertThrowsError(try COCOEvaluator.evaluate(groundTruth: noMask, detections: [], parameters: p)) {
            XCTAssertTrue("\($0)".contains("no segmentation"), "\($0)")
        }
    }

    func testWrittenResultsReadBackIdentically() throws {
        let gt = try groundTruth()
        let detections = (0..<20).map { i in
            Detection(imageId: 1, categoryId: 1, score: Double(i) / 7 + 1e-9, mask: rectangle(i * 5, i * 3, 7 + i, 11), bbox: nil)
        }
        for type in IoUType.allCases {
            let path = directory.appendingPathComponent("results-\(type).json").path
            try DetectionResults.write(detections, iouType: type, to: path)
            let read = try DetectionResults.read(path: path, groundTruth: gt)
            XCTAssertEqual(read.map(\.score), detections.map(\.score))
            XCTAssertEqual(read.map(\.bbox), detections.map(\.bbox))
            if type == .segm { XCTAssertEqual(read.map(\.mask), detections.map(\.mask)) }
            let text = try String(contentsOfFile: path, encoding: .utf8)
            XCTAssertTrue(text.hasPrefix("[{\"image_id\":1,\"category_id\":1,\"score\":"), text)
        }
    }

    func testRunBasedMaskIoUMatchesDenseReference() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let h = Int.random(in: 5...40, using: &generator), w = Int.random(in: 5...40, using: &generator)
            func randomMask() -> RLE {
                var mask = BitMask(width: w, height: h)
                for _ in 0..<Int.random(in: 0...3, using: &generator) {
                    let x = Int.random(in: 0..<w, using: &generator), y = Int.random(in: 0..<h, using: &generator)
                    for yy in y..<min(h, y + Int.random(in: 1...15, using: &generator)) {
                        for xx in x..<min(w, x + Int.random(in: 1...15, using: &generator)) { mask[xx, yy] = true }
                    }
                }
                return RLE(mask)
            }
            let dets = (0..<6).map { _ in randomMask() }, gts = (0..<5).map { _ in randomMask() }
            let crowd = (0..<5).map { $0 % 2 == 1 }
            XCTAssertEqual(IoU.masks(dets.map(IoU.PreparedMask.init), gts.map(IoU.PreparedMask.init), crowd: crowd),
                           IoU.masksReference(dets, gts, crowd: crowd))
        }
    }
}
