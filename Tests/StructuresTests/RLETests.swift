// RLE and polygon rasterisation against pycocotools fixtures (Tests/Fixtures/make_eval_fixtures.py) and
// against naive dense-mask references; plus malformed-input errors.
import XCTest
import Foundation
@testable import Structures

final class RLETests: XCTestCase {
    static let fixtures: [String: Any] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/eval/rle_cases.json")
        let data = try! Data(contentsOf: url)
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    func cases(_ key: String) -> [[String: Any]] { RLETests.fixtures[key] as! [[String: Any]] }

    func testEncodeDecodeStringAreaBoxMatchPycocotools() throws {
        for (index, c) in cases("masks").enumerated() {
            let h = c["height"] as! Int, w = c["width"] as! Int
            let mask = BitMask(width: w, height: h, bits: (c["bits"] as! [Int]).map { UInt8($0) })
            let rle = RLE(mask)
            XCTAssertEqual(rle.counts.map { Int($0) }, c["counts"] as! [Int], "case \(index) counts")
            XCTAssertEqual(rle.compressedString(), c["string"] as! String, "case \(index) string")
            XCTAssertEqual(rle.area, c["area"] as! Int, "case \(index) area")
            XCTAssertEqual(rle.area, mask.area)
            XCTAssertEqual(rle.boundingBox, (c["bbox"] as! [NSNumber]).map { $0.doubleValue }, "case \(index) bbox")
            XCTAssertEqual(rle.toBitMask(), mask, "case \(index) decode")
            let parsed = try RLE(compressed: c["string"] as! String, height: h, width: w)
            XCTAssertEqual(parsed, rle, "case \(index) parse")
            let uncompressed = try RLE(height: h, width: w, validatingCounts: c["counts"] as! [Int])
            XCTAssertEqual(uncompressed, rle)
        }
    }

    func testPolygonRasterisationMatchesPycocotools() throws {
        var mismatches = 0
        for (index, c) in cases("polygons").enumerated() {
            let h = c["height"] as! Int, w = c["width"] as! Int
            let polygons = (c["polygons"] as! [[NSNumber]]).map { $0.map { $0.doubleValue } }
            let rle = try Polygon.rasterize(polygons: polygons, height: h, width: w)
            if rle.compressedString() != c["string"] as! String {
                mismatches += 1
                XCTFail("polygon case \(index) (\(h)x\(w)) differs from pycocotools")
            }
            // Through the COCO segmentation parser too.
            let segmentation = try COCOSegmentation(json: c["polygons"]!)
            XCTAssertEqual(try segmentation.rle(imageHeight: h, imageWidth: w), rle)
        }
        XCTAssertEqual(mismatches, 0)
        XCTAssertGreaterThan(cases("polygons").count, 60)
    }

    func testBoxRasterisationMatchesPycocotools() {
        for (index, c) in cases("boxes").enumerated() {
            let h = c["height"] as! Int, w = c["width"] as! Int
            let box = (c["box"] as! [NSNumber]).map { $0.doubleValue }
            XCTAssertEqual(Polygon.rasterize(box: box, height: h, width: w).compressedString(), c["string"] as! String, "box case \(index)")
        }
    }

    func testMergeAndIoUMatchPycocotools() throws {
        for (index, c) in cases("merges").enumerated() {
            let h = c["height"] as! Int, w = c["width"] as! Int
            let rles = try (c["strings"] as! [String]).map { try RLE(compressed: $0, height: h, width: w) }
            XCTAssertEqual(try RLE.merge(rles).compressedString(), c["union"] as! String, "union \(index)")
            XCTAssertEqual(try RLE.merge(rles, intersect: true).compressedString(), c["intersection"] as! String, "intersection \(index)")
            let crowd = (c["iou_crowd"] as! [Int]).map { $0 != 0 }
            let expected = c["iou"] as! [[NSNumber]]
            for d in 0..<2 {
                for g in 0..<rles.count {
                    // pycocotools only computes mask IoU where the boxes overlap; elsewhere it is 0 as well.
                    // Foundation's JSON reader may round the last bit of decimals, hence the 1e-15 tolerance.
                    XCTAssertEqual(rles[d].iou(rles[g], otherIsCrowd: crowd[g]), expected[d][g].doubleValue, accuracy: 1e-15,
                                   "iou \(index) d\(d) g\(g)")
                }
            }
        }
    }

    func testMergeAgainstDenseReference() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let h = Int.random(in: 1...20, using: &generator), w = Int.random(in: 1...20, using: &generator)
            let a = BitMask(width: w, height: h, bits: (0..<(h * w)).map { _ in UInt8.random(in: 0...1, using: &generator) })
            let b = BitMask(width: w, height: h, bits: (0..<(h * w)).map { _ in UInt8.random(in: 0...1, using: &generator) })
            let union = BitMask(width: w, height: h, bits: zip(a.bits, b.bits).map { $0 | $1 })
            let inter = BitMask(width: w, height: h, bits: zip(a.bits, b.bits).map { $0 & $1 })
            XCTAssertEqual(try RLE.merge([RLE(a), RLE(b)]), RLE(union))
            XCTAssertEqual(try RLE.merge([RLE(a), RLE(b)], intersect: true), RLE(inter))
            XCTAssertEqual(RLE.intersectionArea(RLE(a), RLE(b)), inter.area)
        }
    }

    func testMalformedCompressedStringsAreRejected() {
        XCTAssertThrowsError(try RLE(compressed: "1 2", height: 1, width: 3)) { error in
            XCTAssertTrue("\(error)".contains("outside"), "\(error)")
        }
        // '0'+0x20 announces a continuation that never comes.
        XCTAssertThrowsError(try RLE(compressed: "P", height: 1, width: 1)) { XCTAssertEqual($0 as? RLEError, .truncatedString) }
        // Counts that do not cover the image.
        XCTAssertThrowsError(try RLE(compressed: "12", height: 2, width: 2)) { error in
            XCTAssertEqual(error as? RLEError, .countsDoNotCoverImage(sum: 3, height: 2, width: 2))
        }
        XCTAssertThrowsError(try RLE(height: 2, width: 2, validatingCounts: [1, -1, 4]))
        XCTAssertThrowsError(try COCOSegmentation(json: ["size": [2, 2]]))
        XCTAssertThrowsError(try COCOSegmentation(json: ["size": [2, 2], "counts": "04"]).rle(imageHeight: 3, imageWidth: 2))
        XCTAssertThrowsError(try Polygon.rasterize(polygons: [], height: 3, width: 3))
    }

    func testSegmentationParserAcceptsZeroAndOneCoordinates() throws {
        // On Linux, JSONSerialization's NSNumber 0 and 1 also cast to Bool; they must still count as numbers.
        let json = try JSONSerialization.jsonObject(with: Data("[[0, 0, 1, 0, 1, 1, 0.5, 3]]".utf8))
        guard case let .polygons(polygons) = try COCOSegmentation(json: json) else { return XCTFail("not polygons") }
        XCTAssertEqual(polygons, [[0, 0, 1, 0, 1, 1, 0.5, 3]])
        let rle = try COCOSegmentation(json: try JSONSerialization.jsonObject(with: Data("{\"size\": [1, 2], \"counts\": [1, 1]}".utf8)))
        XCTAssertEqual(try rle.rle(imageHeight: 1, imageWidth: 2).counts, [1, 1])
    }

    func testEmptyAndFullMasks() throws {
        let empty = RLE.empty(height: 4, width: 5)
        XCTAssertEqual(empty.area, 0)
        XCTAssertEqual(empty.boundingBox, [0, 0, 0, 0])
        XCTAssertEqual(try RLE(compressed: empty.compressedString(), height: 4, width: 5), empty)
        let full = RLE(BitMask(width: 5, height: 4, bits: [UInt8](repeating: 1, count: 20)))
        XCTAssertEqual(full.counts, [0, 20])
        XCTAssertEqual(full.boundingBox, [0, 0, 5, 4])
        XCTAssertEqual(full.iou(empty), 0)
        XCTAssertEqual(full.iou(full), 1)
    }
}
