// End to end: a reduced DiffusionInst overfits three tiny synthetic images (an ellipse and a
// rectangle each, two classes) until the final stage's matched masks reach IoU ≥ 0.8 with their targets; then
// inference runs on the same images and must produce detections with masks.
import XCTest
import Foundation
import Tensor
import Autodiff
import NN
import Optim
import Structures
import Diffusion
@testable import Modeling

/// Tiny synthetic batches built here so the test depends on nothing but Structures.
enum SyntheticScenes {
    /// `count` images of size×size, each with an ellipse (class 0) in the left half and a rectangle
    /// (class 1) in the right half; boxes and masks exact.
    static func batch(count: Int, size: Int, seed: UInt64) -> ImageBatch {
        var g = NoiseGenerator(seed: seed)
        var pixels = [Float](repeating: -1, count: count * 3 * size * size)
        var targets: [InstanceTargets] = [], strideFour: [Tensor] = []
        let m = size / 4, half = size / 2
        for image in 0..<count {
            var boxes: [SIMD4<Float>] = [], masks: [BitMask] = []
            for shape in 0..<2 {
                let w = 12 + g.nextInt(below: half - 16), h = 14 + g.nextInt(below: size / 2)
                let x0 = shape * half + g.nextInt(below: half - w), y0 = g.nextInt(below: size - h)
                var mask = BitMask(width: size, height: size)
                for y in y0..<(y0 + h) {
                    for x in x0..<(x0 + w) {
                        let u = (Float(x) + 0.5 - Float(x0) - Float(w) / 2) / (Float(w) / 2)
                        let v = (Float(y) + 0.5 - Float(y0) - Float(h) / 2) / (Float(h) / 2)
                        if shape == 1 || u * u + v * v <= 1 { mask[x, y] = true }
                    }
                }
                let color: [Float] = shape == 0 ? [1.5, -0.5, 0.5] : [-0.5, 1.5, 1.0]
                for c in 0..<3 {
                    for y in 0..<size { for x in 0..<size where mask[x, y] { pixels[((image * 3 + c) * size + y) * size + x] = color[c] } }
                }
                let box = mask.boundingBox!
                boxes.append(SIMD4(Float(box.x1), Float(box.y1), Float(box.x2), Float(box.y2)))
                masks.append(mask)
            }
            targets.append(InstanceTargets(classes: [0, 1], boxes: boxes, masks: masks))
            strideFour.append(Tensor(shape: [2, m, m], scalars: masks.flatMap { mask in
                (0..<(m * m)).map { mask[($0 % m) * 4 + 2, ($0 / m) * 4 + 2] ? Float(1) : 0 }
            }))
        }
        return ImageBatch(images: Tensor(shape: [count, 3, size, size], scalars: pixels),
                          imageSizes: Array(repeating: (size, size), count: count), originalSizes: Array(repeating: (size, size), count: count),
                          imageIDs: Array(0..<count), targets: targets, strideFourMasks: strideFour)
    }
}

final class OverfitTests: XCTestCase {
    func testReducedModelOverfitsSyntheticMasks() throws {
        var c = DiffusionInstConfiguration.tiny(classCount: 2)
        c.fpnChannels = 64; c.hiddenDimension = 64; c.maskBranchChannels = 32; c.maskTowerLayers = 2
        c.feedForwardDimension = 128; c.dynamicDimension = 16; c.stageCount = 2; c.proposalCount = 16
        let model = try DiffusionInstModel(configuration: c, seed: 7)
        let batch = SyntheticScenes.batch(count: 3, size: 64, seed: 3)
        let parameters = model.namedParameters().map(\.1)
        let optimizer = AdamW(parameters: parameters, learningRate: 1e-3, weightDecay: 1e-4)
        var iou: Float = 0
        var step = 0
        let start = Date()
        while step < 300 {
            step += 1
            model.train()
            let loss = try model.loss(batch: batch)
            for p in parameters { p.grad = nil }
            loss.total.backward()
            _ = clipGradientNorm(parameters, maxNorm: 1.0)
            optimizer.step()
            iou = loss.matchedMaskIoU ?? 0
            if step % 25 == 0 { print("overfit step \(step): loss \(loss.total.value.scalar) matched-mask IoU \(iou)") }
            if step >= 40 && iou >= 0.8 { break }
        }
        print("overfit: \(step) steps, \(Date().timeIntervalSince(start)) s, matched-mask IoU \(iou)")
        XCTAssertGreaterThanOrEqual(iou, 0.8, "matched masks did not reach IoU 0.8 in \(step) steps")
        model.eval()
        var noise = NoiseGenerator(seed: 1)
        var options = InferenceOptions()
        options.steps = 2
        let predictions = try model.predict(batch: batch, options: options, generator: &noise)
        XCTAssertEqual(predictions.count, 3)
        XCTAssertTrue(predictions.allSatisfy { !$0.instances.isEmpty })
        XCTAssertTrue(predictions.allSatisfy { $0.instances.allSatisfy { $0.mask.width == 64 && $0.mask.height == 64 } })
    }
}
