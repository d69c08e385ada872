// `diffinst eval` and `diffinst data inspect` run as the built binary (a test target cannot import the executable
// target): printed tables and JSON against pycocotools' numbers and counts read from the fixture independently,
// and bad input files giving a non-zero exit and a message naming the file.
import XCTest
import Foundation

final class CommandLineTests: XCTestCase {
    private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    private func fixture(_ relative: String) -> String { packageRoot + "/" + relative }

    /// The binary, or a skip that says how to get it.
    private func executable() throws -> String {
        guard let path = locateDiffinst() else {
            throw XCTSkip("the diffinst product is not built beside the test bundle (\(testBundleDirectory)); "
                          + "run `swift build -c release --product diffinst` to run the command-line tests")
        }
        return path
    }

    private func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let (status, output) = try runProcess(try executable(), arguments, directory: packageRoot)
        return (status, output)
    }

    private func temporaryFile(_ name: String, _ text: String) throws -> String {
        let folder = NSTemporaryDirectory() + "cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// One pycocotools case of Tests/Fixtures/eval/reference.json (made by make_eval_fixtures.py).
    private func referenceCase(_ name: String) throws -> (gt: String, results: String, iouType: String, stats: [Double]) {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture("Tests/Fixtures/eval/reference.json")))
        let cases = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        let entry = try XCTUnwrap(cases.first { $0["name"] as? String == name }, "no case \(name)")
        return (fixture(try XCTUnwrap(entry["gt"] as? String)), fixture(try XCTUnwrap(entry["results"] as? String)),
                try XCTUnwrap(entry["iouType"] as? String), try XCTUnwrap(entry["stats"] as? [Double]))
    }

    func testEvalPrintsPycocotoolsTableAndWritesJSON() throws {
        for name in ["balloon-segm-segm", "balloon-bbox-bbox"] {
            let reference = try referenceCase(name)
            let jsonPath = try temporaryFile("summary.json", "")
            let (status, output) = try run(["eval", "--gt", reference.gt, "--results", reference.results,
                                            "--iou-type", reference.iouType, "--json", jsonPath])
            XCTAssertEqual(status, 0, output)
            // The 12 table lines end in " = %0.3f" exactly as pycocotools' summarize() prints them.
            let printed = output.split(separator: "\n").filter { $0.contains("] = ") }
                .map { String($0[$0.range(of: "] = ")!.upperBound...]) }
            XCTAssertEqual(printed, reference.stats.map { String(format: "%0.3f", $0) }, "\(name):\n\(output)")
            XCTAssertTrue(output.contains("Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]"), output)

            let written = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: jsonPath)))
                                        as? [String: Double], "\(jsonPath) is not a JSON object of numbers")
            let keys = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]
            XCTAssertEqual(Set(written.keys), Set(keys))
            for (key, expected) in zip(keys, reference.stats) {
                XCTAssertEqual(try XCTUnwrap(written[key]), expected, accuracy: 1e-12, "\(name) \(key)")
            }
        }
    }

    func testEvalRejectsBadFilesNamingThem() throws {
        let reference = try referenceCase("balloon-segm-segm")
        let truncated = try temporaryFile("truncated_gt.json", "{\"images\": [")
        let notResults = try temporaryFile("results.json", "{\"image_id\": 1}")
        let cases: [(arguments: [String], file: String, phrase: String)] = [
            (["--gt", truncated, "--results", reference.results], truncated, "not valid JSON"),
            (["--gt", "/no/such/gt.json", "--results", reference.results], "/no/such/gt.json", "cannot be read"),
            (["--gt", reference.gt, "--results", notResults], notResults, "JSON list"),
        ]
        for (arguments, file, phrase) in cases {
            let (status, output) = try run(["eval"] + arguments + ["--iou-type", "segm"])
            XCTAssertNotEqual(status, 0, output)
            XCTAssertTrue(output.contains(file), "the message does not name \(file): \(output)")
            XCTAssertTrue(output.contains(phrase), "expected '\(phrase)' in: \(output)")
        }
        let (status, output) = try run(["eval", "--gt", reference.gt, "--results", reference.results, "--iou-type", "keypoints"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("keypoints"), output)
    }

    /// `eval` has two modes: a results file (--gt, --results, --iou-type) or a run (--run [overrides]); mixing or
    /// half-giving them is an error that says what to give, and a missing run is named.
    func testEvalModesRejectIncompleteOrMixedArguments() throws {
        let reference = try referenceCase("balloon-segm-segm")
        let cases: [(arguments: [String], phrase: String)] = [
            (["eval"], "--gt, --results and --iou-type"),
            (["eval", "--gt", reference.gt, "--iou-type", "segm"], "--gt, --results and --iou-type"),
            (["eval", "--gt", reference.gt, "--results", reference.results, "--iou-type", "segm", "sampler.steps=4"], "need --run"),
            (["eval", "--run", "/no/such/run", "--gt", reference.gt], "takes no --gt"),
            (["eval", "--run", "/no/such/run"], "/no/such/run"),
        ]
        for (arguments, phrase) in cases {
            let (status, output) = try run(arguments)
            XCTAssertNotEqual(status, 0, "\(arguments): \(output)")
            XCTAssertTrue(output.contains(phrase), "\(arguments): expected '\(phrase)' in: \(output)")
        }
    }

    func testDataInspectReportsTheFixtureCounts() throws {
        let path = fixture("Tests/Fixtures/data/coco_mixed.json")
        // Expected counts straight from the JSON (Foundation's reader, independent of ours); every entry is valid.
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        let images = try XCTUnwrap(json["images"] as? [[String: Any]])
        let annotations = try XCTUnwrap(json["annotations"] as? [[String: Any]])
        let crowd = annotations.filter { ($0["iscrowd"] as? Int ?? 0) != 0 }.count
        var polygon = 0, uncompressed = 0, compressed = 0
        for annotation in annotations {
            if annotation["segmentation"] is [Any] { polygon += 1 }
            else if (annotation["segmentation"] as? [String: Any])?["counts"] is String { compressed += 1 }
            else { uncompressed += 1 }
        }

        let (status, output) = try run(["data", "inspect", path, "--images", fixture("Tests/Fixtures/data"), "--decode"])
        XCTAssertEqual(status, 0, output)
        let lines = output.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.hasPrefix("images: \(images.count) ") }, output)
        XCTAssertTrue(lines.contains("instances: \(annotations.count)  (crowd: \(crowd))"), output)
        XCTAssertTrue(lines.contains("segmentation formats: polygon \(polygon), uncompressed RLE \(uncompressed), compressed RLE \(compressed)"), output)
        XCTAssertTrue(lines.contains("problems reported and skipped: 0"), output)
        XCTAssertTrue(lines.contains { $0.hasPrefix("decoded \(images.count) images") && $0.hasSuffix("; 0 images failed") }, output)
    }

    func testDataInspectRejectsBadFilesNamingThem() throws {
        let truncated = try temporaryFile("instances.json", "{\"images\": [{\"id\": 1,")
        let missingKey = try temporaryFile("instances.json", "{\"images\": [], \"categories\": []}")
        let cases: [(file: String, phrase: String)] = [
            (truncated, "not valid JSON"),
            (missingKey, "\"annotations\""),
            ("/no/such/instances.json", "/no/such/instances.json"),
        ]
        for (file, phrase) in cases {
            let (status, output) = try run(["data", "inspect", file])
            XCTAssertNotEqual(status, 0, output)
            XCTAssertTrue(output.contains(file), "the message does not name \(file): \(output)")
            XCTAssertTrue(output.contains(phrase), "expected '\(phrase)' in: \(output)")
        }
    }
}
