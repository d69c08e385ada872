// The synthetic generator: determinism per seed, class coverage, occlusion (visible masks disjoint,
// hidden instances gone), tight boxes, size spread, config decoding, and COCO export read back.
import Data
import Foundation
import Structures
import XCTest

final class SyntheticShapesTests: XCTestCase {
    private func masks(_ sample: DatasetSample) -> [BitMask] {
        sample.instances.map { instance in
            guard case .mask(let mask) = instance.segmentation else { XCTFail("synthetic masks are bitmasks"); return BitMask(width: 1, height: 1) }
            return mask
        }
    }

    func testSameSeedSameImagesOtherSeedDifferent() throws {
        let a = try SyntheticShapesDataset(seed: 11, count: 5), b = try SyntheticShapesDataset(seed: 11, count: 5)
        let c = try SyntheticShapesDataset(seed: 12, count: 5)
        for index in 0..<5 {
            let first = try a.sample(at: index), second = try b.sample(at: index)
            XCTAssertEqual(first.image, second.image)
            XCTAssertEqual(masks(first), masks(second))
            XCTAssertNotEqual(first.image, try c.sample(at: index).image)
        }
        // Random access: image 3 does not depend on having generated 0…2 first.
        XCTAssertEqual(try SyntheticShapesDataset(seed: 11, count: 5).sample(at: 3).image, try a.sample(at: 3).image)
    }

    func testInstancesAreVisibleDisjointTightAndCoverEveryClass() throws {
        var config = SyntheticShapesConfig()
        config.maximumInstances = 10
        let dataset = try SyntheticShapesDataset(config: config, seed: 5, count: 60)
        var classCounts = [Int](repeating: 0, count: config.classes.count)
        var relative = [0, 0, 0]
        for index in 0..<dataset.count {
            let sample = try dataset.sample(at: index)
            XCTAssertLessThanOrEqual(sample.instances.count, 10)
            var union = [UInt8](repeating: 0, count: 128 * 128)
            for (instance, mask) in zip(sample.instances, masks(sample)) {
                classCounts[instance.classIndex] += 1
                XCTAssertGreaterThan(mask.area, 0, "a kept instance must be visible")
                XCTAssertEqual(Double(mask.area), instance.area)
                let box = try XCTUnwrap(mask.boundingBox)
                XCTAssertEqual(instance.box, SIMD4(Double(box.x1), Double(box.y1), Double(box.x2 - box.x1), Double(box.y2 - box.y1)))
                for p in 0..<union.count where mask.bits[p] != 0 {
                    XCTAssertEqual(union[p], 0, "visible masks overlap in image \(index)")
                    union[p] = 1
                }
                let fraction = instance.area / 16384
                relative[fraction < 1024.0 / 307_200 ? 0 : fraction < 9216.0 / 307_200 ? 1 : 2] += 1
            }
        }
        XCTAssertTrue(classCounts.allSatisfy { $0 > 10 }, "class counts \(classCounts)")
        XCTAssertTrue(relative.allSatisfy { $0 > 15 }, "small/medium/large relative to the image: \(relative)")
    }

    func testOcclusionRemovesHiddenShapes() throws {
        // Many large shapes in a small image: later shapes cover earlier ones, so some must be dropped.
        var config = SyntheticShapesConfig()
        config.minimumInstances = 12
        config.maximumInstances = 12
        config.minimumSizeFraction = 0.5
        config.maximumSizeFraction = 0.9
        let dataset = try SyntheticShapesDataset(config: config, seed: 1, count: 10)
        let kept = try (0..<10).map { try dataset.sample(at: $0).instances.count }
        XCTAssertTrue(kept.allSatisfy { $0 < 12 && $0 > 0 }, "instances kept per image: \(kept)")
    }

    func testConfigDecodingUsesDefaultsAndRejectsNonsense() throws {
        let decoded = try JSONDecoder().decode(SyntheticShapesConfig.self, from: Foundation.Data(#"{"width": 64, "classes": ["star", "ring"]}"#.utf8))
        XCTAssertEqual(decoded.width, 64)
        XCTAssertEqual(decoded.height, 128)
        XCTAssertEqual(decoded.classes, [.star, .ring])
        XCTAssertEqual(try SyntheticShapesDataset(config: decoded, seed: 0, count: 1).classNames, ["star", "ring"])
        XCTAssertThrowsError(try JSONDecoder().decode(SyntheticShapesConfig.self, from: Foundation.Data(#"{"minimumInstances": 5, "maximumInstances": 2}"#.utf8))) {
            XCTAssertTrue("\($0)".contains("minimumInstances"), "\($0)")
        }
        XCTAssertThrowsError(try JSONDecoder().decode(SyntheticShapesConfig.self, from: Foundation.Data(#"{"classes": ["blob"]}"#.utf8)))
    }

    func testCOCOExportReadsBackIdentically() throws {
        let folder = try DataTestPaths.temporaryDirectory()
        let dataset = try SyntheticShapesDataset(seed: 9, count: 6)
        let written = try COCOExport.write(dataset, to: folder.path, description: "test")
        let loaded = try COCODataset(annotationFile: folder.appendingPathComponent("instances.json").path,
                                     imageDirectory: folder.appendingPathComponent("images").path)
        XCTAssertEqual(loaded.count, 6)
        XCTAssertEqual(loaded.classNames, dataset.classNames)
        XCTAssertEqual(loaded.issues, [])
        XCTAssertEqual(loaded.formatCounts[.compressedRLE], written)
        for index in 0..<6 {
            let original = try dataset.sample(at: index), reread = try loaded.sample(at: index)
            XCTAssertEqual(reread.image, original.image)
            XCTAssertEqual(reread.instances.map(\.classIndex), original.instances.map(\.classIndex))
            XCTAssertEqual(reread.instances.map(\.box), original.instances.map(\.box))
            let rereadMasks = try reread.instances.map { try COCODataset.mask(of: $0, width: 128, height: 128) }
            XCTAssertEqual(rereadMasks, masks(original))
        }
    }
}
