// Shapes and parameter counts of both configurations. Reference counts come from the PyTorch
// implementation of DiffusionInst-Tiny in scripts/bench_model_pytorch.py (26,251,516 total;
// one stage 2,277,086) and, for the paper configuration, from the spec §14 table.
import XCTest
import Tensor
import Autodiff
import NN
import Masks
import Optim
import Diffusion
@testable import Modeling

final class ModelShapeTests: XCTestCase {
    func count(_ module: Module) -> Int { module.namedParameters().reduce(0) { $0 + $1.1.value.count } }

    func testTinyParameterCountsMatchPyTorch() throws {
        let model = try DiffusionInstModel(configuration: .tiny(classCount: 1))
        XCTAssertEqual(count(model.stages[0]), 2_277_086)
        XCTAssertEqual(model.stages.reduce(0) { $0 + count($1) }, 13_662_516)
        XCTAssertEqual(count(model.timeEmbedding), 328_704)
        XCTAssertEqual(count(model.maskBranch), 370_056)
        XCTAssertEqual(count(model.features.backbone), 11_176_512)
        XCTAssertEqual(count(model.features.fpn), 713_728)
        XCTAssertEqual(count(model), 26_251_516)
        // The dynamic-parameter generator of a stage (workloads.md: 1.06 M).
        XCTAssertEqual(count(model.stages[0].instanceInteraction.dynamicLayer), 1_056_768)
    }

    func testPaperStageAndHeadCountsMatchSpecTable() throws {
        var c = DiffusionInstConfiguration.paper(classCount: 80)
        c.stageCount = 1
        var generator = RandomGenerator(seed: 1)
        let stage = DecoderStage(configuration: c, parameterCount: c.maskHead.parameterCount, using: &generator)
        XCTAssertEqual(Double(count(stage)) / 1e6, 13.80, accuracy: 0.005)
        XCTAssertEqual(count(stage.instanceInteraction.dynamicLayer), 256 * 32768 + 32768)
        XCTAssertEqual(count(stage.controller!), 256 * 153 + 153)
        let time = TimeEmbedding(dimension: 256, outputDimension: 1024, using: &generator)
        XCTAssertEqual(Double(count(time)) / 1e6, 1.31, accuracy: 0.005)
        let branch = MaskBranch(inputChannels: 256, channels: 128, towerLayers: 4, outputChannels: 8, using: &generator)
        XCTAssertEqual(count(branch), 1_477_384)
    }

    func testFilterSizeFollowsTheMaskHeadShape() {
        XCTAssertEqual(DynamicFilterShape().parameterCount, 153)
        XCTAssertEqual(DynamicFilterShape(relativeCoordinates: true).parameterCount, 169)
        XCTAssertEqual(DynamicFilterShape(featureChannels: 16, hiddenChannels: [16]).parameterCount, 16 * 16 + 16 + 16 + 1)
        XCTAssertEqual(BoxMasks().parameterCount, 0)
    }

    func testDecoderStageOutputShapes() throws {
        var c = DiffusionInstConfiguration.tiny(classCount: 3)
        c.hiddenDimension = 32; c.fpnChannels = 32; c.feedForwardDimension = 64; c.dynamicDimension = 8
        var generator = RandomGenerator(seed: 2)
        let stage = DecoderStage(configuration: c, parameterCount: 153, using: &generator)
        let pyramid = [16, 8, 4, 2].map { s in Variable(Tensor.randomNormal(shape: [2, 32, s, s], using: &generator)) }
        let boxes = Tensor(shape: [10, 4], scalars: (0..<10).flatMap { i in [Float(i), 2, Float(i) + 20, 30] })
        let time = Variable(Tensor.randomNormal(shape: [2, 128], using: &generator))
        let out = stage(features: pyramid, boxes: boxes, previous: nil, time: time, imageCount: 2)
        XCTAssertEqual(out.logits.shape, [10, 3])
        XCTAssertEqual(out.boxes.shape, [10, 4])
        XCTAssertEqual(out.filters.shape, [10, 153])
        XCTAssertEqual(out.features.shape, [10, 32])
        let second = stage(features: pyramid, boxes: out.boxes.value, previous: out.features, time: time, imageCount: 2)
        XCTAssertEqual(second.logits.shape, [10, 3])
    }

    /// The optional box embedding starts at zero and draws nothing from the initialiser, so a model
    /// with it computes exactly what the official one does until training moves it.
    func testBoxEmbeddingStartsAsTheOfficialStage() throws {
        var c = DiffusionInstConfiguration.tiny(classCount: 3)
        c.hiddenDimension = 32; c.fpnChannels = 32; c.feedForwardDimension = 64; c.dynamicDimension = 8
        var g1 = RandomGenerator(seed: 3), g2 = RandomGenerator(seed: 3)
        let official = DecoderStage(configuration: c, parameterCount: 153, using: &g1)
        c.boxEmbedding = true
        let embedded = DecoderStage(configuration: c, parameterCount: 153, using: &g2)
        XCTAssertEqual(count(embedded) - count(official), BoxEmbedding.featureCount * 32 + 32)
        var generator = RandomGenerator(seed: 4)
        let pyramid = [16, 8, 4, 2].map { s in Variable(Tensor.randomNormal(shape: [1, 32, s, s], using: &generator)) }
        let time = Variable(Tensor.randomNormal(shape: [1, 128], using: &generator))
        // Same centre; aspect 1:3, 3:1 (same area) and a square.
        let boxes = Tensor(shape: [3, 4], scalars: [24, 8, 40, 56, 8, 24, 56, 40, 20, 20, 44, 44])
        let a = official(features: pyramid, boxes: boxes, previous: nil, time: time, imageCount: 1)
        let b = embedded(features: pyramid, boxes: boxes, previous: nil, time: time, imageCount: 1)
        XCTAssertEqual(a.logits.value.scalars, b.logits.value.scalars)
        XCTAssertEqual(a.boxes.value.scalars, b.boxes.value.scalars)
        // Once the embedding has weights, the logits move with the box's shape.
        embedded.boxEmbedding!.projection.weight.value = Tensor.randomNormal(shape: [32, BoxEmbedding.featureCount], using: &generator)
        let moved = embedded(features: pyramid, boxes: boxes, previous: nil, time: time, imageCount: 1).logits.value.scalars
        let change = zip(moved, a.logits.value.scalars).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(change, 1e-3)
    }

    func testBoxEmbeddingGeometryFeatures() {
        // 128×64 image; a 32×16 box centred at (48, 24); a degenerate box clamps to 1 px.
        let g = BoxEmbedding.geometry(boxes: Tensor(shape: [2, 4], scalars: [32, 16, 64, 32, 10, 10, 10, 12]),
                                      imageWidth: 128, imageHeight: 64).scalars
        let expected: [Float] = [48.0 / 128 - 0.5, 24.0 / 64 - 0.5, 32.0 / 128, 16.0 / 64, log(2)]
        for k in 0..<5 { XCTAssertEqual(g[k], expected[k], accuracy: 1e-6) }
        XCTAssertEqual(g[7], 1.0 / 128, accuracy: 1e-6)
        XCTAssertEqual(g[9], log(1.0 / 2.0), accuracy: 1e-6)
    }

    func testDifferentiableBoxDecodingMatchesScalarReference() {
        let reference: [Box] = [Box(10, 20, 50, 60), Box(0, 0, 1, 2), Box(5, 5, 5, 9)]
        let deltas: [Box] = [Box(2, -4, 0.7, 0), Box(0.1, 0.3, 20, 100), Box(-1, 1, -0.5, 0.25)]
        let decoded = BoxDecoding.apply(deltas: Variable(Tensor(shape: [3, 4], scalars: deltas.flatMap { [$0.x, $0.y, $0.z, $0.w] })),
                                        to: Tensor(shape: [3, 4], scalars: reference.flatMap { [$0.x, $0.y, $0.z, $0.w] })).value.scalars
        for i in 0..<3 {
            let expected = BoxGeometry.decode(deltas: deltas[i], reference: reference[i])
            for k in 0..<4 { XCTAssertEqual(decoded[i * 4 + k], expected[k], accuracy: 1e-3 + 1e-5 * abs(expected[k])) }
        }
    }

    func testSinusoidalTimeCode() {
        // D = 4: half = 2, ω = (1, exp(−ln 10000)) = (1, 1e-4); sines then cosines.
        let code = TimeEmbedding.sinusoidalCode(timesteps: [0, 3], dimension: 4).scalars
        assertCloseArrays(code, [0, 0, 1, 1, sin(3), sin(3e-4), cos(3), cos(3e-4)])
    }

    func assertCloseArrays(_ a: [Float], _ b: [Float], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-5, file: file, line: line) }
    }
}

final class PaperConfigurationTests: XCTestCase {
    /// The paper configuration (R-50 frozen BN, FPN 256, hidden 256, FFN 2048, dynamic 64) builds
    /// with ≈ 112 M parameters (spec §14), runs inference and one training step. Proposals are
    /// reduced to 100 and images to 64×64 to keep the test short; neither changes a weight shape.
    func testPaperConfigurationRunsInferenceAndATrainingStep() throws {
        var c = DiffusionInstConfiguration.paper(classCount: 80)
        c.proposalCount = 100
        let model = try DiffusionInstModel(configuration: c)
        let total = model.namedParameters().reduce(0) { $0 + $1.1.value.count }
        XCTAssertEqual(Double(total) / 1e6, 112, accuracy: 1.5)
        let batch = SyntheticScenes.batch(count: 1, size: 64, seed: 5)
        let loss = try model.loss(batch: batch)
        XCTAssertEqual(loss.terms.count, 24, "4 terms × 6 stages")
        loss.total.backward()
        let optimizer = AdamW(parameters: model.namedParameters().map(\.1), learningRate: 1e-5, weightDecay: 1e-4)
        optimizer.step()
        model.eval()
        var noise = NoiseGenerator(seed: 2)
        let predictions = try model.predict(batch: batch, generator: &noise)
        XCTAssertEqual(predictions.count, 1)
        XCTAssertFalse(predictions[0].instances.isEmpty)
    }
}
