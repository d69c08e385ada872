// The two shared real datasets (../shared/data): image and instance counts from their README, and every
// decoded mask's pixel count equal to the annotation's `area` (pycocotools-checked in the README).
import Data
import Foundation
import XCTest

final class RealDatasetTests: XCTestCase {
    private func check(_ name: String, split: String, images: Int, instances: Int, maximumPerImage: Int? = nil) throws {
        let root = DataTestPaths.sharedData.appendingPathComponent(name).path
        try XCTSkipUnless(FileManager.default.fileExists(atPath: root), "\(root) not present")
        let dataset = try COCODataset(root: root, split: split)
        XCTAssertEqual(dataset.issues, [], "\(name)/\(split)")
        XCTAssertEqual(dataset.count, images, "\(name)/\(split) images")
        XCTAssertEqual(dataset.annotations.map(\.count).reduce(0, +), instances, "\(name)/\(split) instances")
        if let maximumPerImage { XCTAssertEqual(dataset.annotations.map(\.count).max(), maximumPerImage) }
        var mismatches = 0, misplaced = 0
        for (index, list) in dataset.annotations.enumerated() {
            let record = dataset.images[index]
            for instance in list {
                let mask = try COCODataset.mask(of: instance, width: record.width, height: record.height)
                if Double(mask.area) != instance.area { mismatches += 1 }
                // The area cannot tell a transposed mask from a right one; its tight box can (±1 px: polygon boxes are real-valued).
                if let b = mask.boundingBox {
                    let box = instance.box
                    let far = [abs(Double(b.x1) - box.x), abs(Double(b.y1) - box.y), abs(Double(b.x2 - b.x1) - box.z), abs(Double(b.y2 - b.y1) - box.w)]
                    if far.contains(where: { $0 > 1.5 }) { misplaced += 1 }
                }
            }
        }
        XCTAssertEqual(mismatches, 0, "\(name)/\(split): masks whose pixel count differs from `area`")
        XCTAssertEqual(misplaced, 0, "\(name)/\(split): masks whose tight box differs from `bbox`")
        // Images decode at the size the JSON states (a few, to keep the test short).
        for index in stride(from: 0, to: dataset.count, by: max(1, dataset.count / 4)) {
            let sample = try dataset.sample(at: index)
            XCTAssertEqual(sample.image.width, dataset.images[index].width)
        }
    }

    func testBalloon() throws {
        try check("balloon", split: "train", images: 61, instances: 255, maximumPerImage: 28)
        try check("balloon", split: "val", images: 13, instances: 50)
    }

    func testNuclei() throws {
        try check("dsb2018_nuclei", split: "train", images: 177, instances: 9003, maximumPerImage: 375)
        try check("dsb2018_nuclei", split: "val", images: 45, instances: 1980)
    }
}
