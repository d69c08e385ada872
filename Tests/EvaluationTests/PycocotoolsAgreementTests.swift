// Agreement with pycocotools on perturbed predictions for balloon (two categories, crowd regions, an empty image,
// a category without ground truth) and dsb2018_nuclei val, box and mask, limits 100 and 300. Reference numbers
// come from Tests/Fixtures/make_eval_fixtures.py; each case is also checked class-agnostically (useCats = 0).
import XCTest
import Foundation
import Structures
@testable import Evaluation

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func fixturePath(_ relative: String) -> String { packageRoot.appendingPathComponent(relative).standardizedFileURL.path }

final class PycocotoolsAgreementTests: XCTestCase {
    static let cases: [JSONValue] = try! JSONValue.parse(contentsOf: fixturePath("Tests/Fixtures/eval/reference.json")).array!

    func testThresholdsAreBitIdenticalToPycocotools() {
        let reference = Self.cases[0]
        let parameters = EvaluationParameters(iouType: .segm)
        XCTAssertEqual(parameters.iouThresholds, reference["iouThrs"]!.array!.map { $0.double! })
        XCTAssertEqual(parameters.recallThresholds, reference["recThrs"]!.array!.map { $0.double! })
    }

    func testAllTwelveNumbersAgreeWithPycocotools() throws {
        XCTAssertEqual(Self.cases.count, 8)
        for reference in Self.cases {
            let name = reference["name"]!.string!
            let groundTruth = try GroundTruth.load(path: fixturePath(reference["gt"]!.string!))
            let detections = try DetectionResults.read(path: fixturePath(reference["results"]!.string!), groundTruth: groundTruth)
            let iouType = IoUType(rawValue: reference["iouType"]!.string!)!
            let parameters = EvaluationParameters(iouType: iouType, maxDetections: reference["maxDets"]!.int!)
            let result = try COCOEvaluator.evaluate(groundTruth: groundTruth, detections: detections, parameters: parameters)
            let expected = reference["stats"]!.array!.map { $0.double! }
            let summary = result.summary
            for (key, (ours, theirs)) in zip(Summary.keys, zip(summary.values, expected)) {
                XCTAssertEqual(ours, theirs, accuracy: 1e-6, "\(name) \(key)")
            }
            // Class-agnostic evaluation (pycocotools useCats = 0) on the same files.
            var agnosticParameters = parameters
            agnosticParameters.useCategories = false
            let agnostic = try COCOEvaluator.evaluate(groundTruth: groundTruth, detections: detections, parameters: agnosticParameters)
            let expectedAgnostic = reference["statsAgnostic"]!.array!.map { $0.double! }
            for (key, (ours, theirs)) in zip(Summary.keys, zip(agnostic.summary.values, expectedAgnostic)) {
                XCTAssertEqual(ours, theirs, accuracy: 1e-6, "\(name) class-agnostic \(key)")
            }
            for (category, ap) in reference["perCategoryAP"]!.object! {
                XCTAssertEqual(result.perCategoryAP[Int(category)!]!, ap.double!, accuracy: 1e-6, "\(name) category \(category)")
            }
            // Per-image matchings (balloon): detection ids are 1-based file positions, as pycocotools' loadRes.
            for entry in reference["perImage"]?.array ?? [] {
                let e = try XCTUnwrap(result.imageEvaluation(imageId: entry["image_id"]!.int!, categoryId: entry["category_id"]!.int!))
                XCTAssertEqual(e.detectionIndices.map { $0 + 1 }, entry["dtIds"]!.array!.map { $0.int! }, name)
                XCTAssertEqual(e.groundTruthIds, entry["gtIds"]!.array!.map { $0.int! }, name)
                for (t, key) in [(0, "dtMatches50"), (5, "dtMatches75")] {
                    let n = e.detectionIndices.count
                    let ours = (0..<n).map { d -> Int in
                        let g = e.detectionMatches[t * n + d]
                        return g < 0 ? 0 : e.groundTruthIds[g]
                    }
                    XCTAssertEqual(ours, entry[key]!.array!.map { $0.int! }, "\(name) image \(e.imageId) \(key)")
                }
            }
        }
    }
}
