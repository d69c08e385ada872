// Collation (normalisation, padding to 32, stride-4 masks per spec §9.5) against naive references, and the
// background loader: reproducible, resumable from its state, identical to the synchronous assembler.
@testable import Data
import Foundation
import Structures
import Tensor
import XCTest

final class BatchingTests: XCTestCase {
    private func sample(width: Int, height: Int, seed: UInt64) -> TransformedSample {
        var random = DataRandom(seed: seed)
        let image = RGBImage(width: width, height: height, pixels: (0..<(width * height * 3)).map { _ in UInt8(random.integer(0...255)) })
        var mask = BitMask(width: width, height: height)
        for p in 0..<mask.bits.count where random.chance(0.3) { mask.bits[p] = 1 }
        let plan = GeometricPlan(flip: false, originX: 0, originY: 0, scaleX: 1, scaleY: 1, outputWidth: width, outputHeight: height)
        return TransformedSample(imageID: Int(seed), image: image, originalSize: (height, width),
                                 targets: InstanceTargets(classes: [0], boxes: [SIMD4(0, 0, 1, 1)], masks: [mask]), plan: plan)
    }

    func testCollationNormalisesPadsAndSubsamplesMasks() {
        let samples = [sample(width: 37, height: 21, seed: 1), sample(width: 20, height: 70, seed: 2)]
        let batch = BatchCollation.collate(samples)
        XCTAssertEqual(batch.images.shape, [2, 3, 96, 64])
        XCTAssertTrue(batch.imageSizes[0] == (21, 37) && batch.imageSizes[1] == (70, 20))
        XCTAssertEqual(batch.imageIDs, [1, 2])
        let images = batch.images.scalars
        for (b, s) in samples.enumerated() {
            for c in 0..<3 {
                for y in 0..<96 {
                    for x in 0..<64 {
                        let value = images[((b * 3 + c) * 96 + y) * 64 + x]
                        if y < s.image.height && x < s.image.width {
                            let pixel = Float(s.image.pixels[(y * s.image.width + x) * 3 + c])
                            XCTAssertEqual(value, (pixel - BatchCollation.pixelMean[c]) / BatchCollation.pixelStd[c], accuracy: 1e-5)
                        } else {
                            XCTAssertEqual(value, 0, "padding must be 0 after normalisation")
                        }
                    }
                }
            }
            // Spec §9.5 literally: pad to Hp×Wp, then rows and columns 2, 6, 10, …
            let mask = s.targets.masks[0]
            var padded = [Float](repeating: 0, count: 96 * 64)
            for y in 0..<mask.height { for x in 0..<mask.width { padded[y * 64 + x] = Float(mask.bits[y * mask.width + x]) } }
            var expected: [Float] = []
            for y in stride(from: 2, to: 96, by: 4) { for x in stride(from: 2, to: 64, by: 4) { expected.append(padded[y * 64 + x]) } }
            XCTAssertEqual(batch.strideFourMasks[b].shape, [1, 24, 16])
            XCTAssertEqual(batch.strideFourMasks[b].scalars, expected)
        }
    }

    private func loaderSetup() throws -> BatchAssembler {
        var config = SyntheticShapesConfig()
        config.width = 64
        config.height = 48
        let dataset = try SyntheticShapesDataset(config: config, seed: 4, count: 7)
        return BatchAssembler(dataset: dataset, transform: SampleTransform(config: AugmentationConfig().scaled(toTestShortEdge: 48), training: true),
                              batchSize: 3, shuffle: true)
    }

    private func same(_ a: ImageBatch, _ b: ImageBatch, _ message: String) {
        XCTAssertEqual(a.images.shape, b.images.shape, message)
        XCTAssertEqual(a.images.scalars, b.images.scalars, message)
        XCTAssertEqual(a.imageIDs, b.imageIDs, message)
        XCTAssertEqual(a.targets.map(\.masks), b.targets.map(\.masks), message)
    }

    func testLoaderIsReproducibleAndResumable() throws {
        let assembler = try loaderSetup()
        let first = BatchLoader(assembler: assembler, state: LoaderState(seed: 99))
        var batches: [ImageBatch] = [], states: [LoaderState] = []
        for _ in 0..<6 {
            batches.append(try first.next())
            states.append(first.state)
        }
        // 6 batches of 3 over 7 images cross two epoch boundaries.
        XCTAssertEqual(states.last, LoaderState(seed: 99, epoch: 2, index: 4))
        // Every image appears once per epoch.
        let epochZero = BatchAssembler.order(count: 7, seed: 99, epoch: 0, shuffle: true)
        XCTAssertEqual(epochZero.sorted(), Array(0..<7))
        XCTAssertEqual(Array(batches[0].imageIDs + batches[1].imageIDs + batches[2].imageIDs.prefix(1)), epochZero.map { $0 + 1 })
        // A second loader with the same seed gives the same stream; one resumed at batch 3's state continues it.
        let again = BatchLoader(assembler: assembler, state: LoaderState(seed: 99))
        for k in 0..<3 { same(try again.next(), batches[k], "rerun batch \(k)") }
        let resumed = BatchLoader(assembler: assembler, state: states[2])
        for k in 3..<6 { same(try resumed.next(), batches[k], "resumed batch \(k)") }
        // The synchronous assembler gives what the thread gave.
        same(try assembler.makeBatch(at: states[3]).batch, batches[4], "assembler")
        // Another seed changes order or augmentation.
        let other = BatchLoader(assembler: assembler, state: LoaderState(seed: 100))
        XCTAssertNotEqual(try other.next().images.scalars, batches[0].images.scalars)
    }

    func testUnreadableImagesAreSkippedAndRecorded() throws {
        let folder = try DataTestPaths.temporaryDirectory()
        for name in ["a.png", "truncated.png"] {
            try FileManager.default.copyItem(atPath: DataTestPaths.fixture(name), toPath: folder.appendingPathComponent(name).path)
        }
        let json = #"{"images": [{"id": 1, "file_name": "a.png", "width": 40, "height": 30}, {"id": 2, "file_name": "truncated.png", "width": 13, "height": 9}], "categories": [{"id": 1, "name": "x"}], "annotations": []}"#
        let path = folder.appendingPathComponent("instances.json").path
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        let dataset = try COCODataset(annotationFile: path, imageDirectory: folder.path)
        let loader = BatchLoader(dataset: dataset, transform: SampleTransform(config: AugmentationConfig().scaled(toTestShortEdge: 30), training: false),
                                 batchSize: 2, shuffle: false, state: LoaderState(seed: 0))
        let batch = try loader.next()
        XCTAssertEqual(batch.imageIDs, [1, 1], "the corrupt image is skipped and the next readable one taken")
        XCTAssertEqual(loader.skipped.count, 1)
        XCTAssertTrue(loader.skipped[0].contains("truncated.png"), loader.skipped[0])
    }
}

final class EvaluationBatchTests: XCTestCase {
    func testOnePassInOrderWithTestResize() throws {
        let dataset = try SyntheticShapesDataset(seed: 2, count: 5)
        var config = AugmentationConfig()
        config.testShortEdge = 160
        let assembler = BatchAssembler(dataset: dataset, transform: SampleTransform(config: config, training: false), batchSize: 2, shuffle: false)
        XCTAssertEqual(assembler.evaluationBatchIndices, [[0, 1], [2, 3], [4]])
        let batch = try assembler.batch(ofIndices: [4])
        XCTAssertEqual(batch.imageIDs, [5])
        XCTAssertTrue(batch.imageSizes[0] == (160, 160) && batch.originalSizes[0] == (128, 128))
        XCTAssertEqual(batch.images.shape, [1, 3, 160, 160])
        XCTAssertEqual(batch.strideFourMasks[0].shape[1...], [40, 40])
    }
}
