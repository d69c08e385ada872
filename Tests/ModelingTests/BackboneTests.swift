// ResNet-18/34/50 and FPN: output shapes and strides, parameter counts against torchvision's
// (Tests/Fixtures/vision_fixtures.json), norm selection, and gradients reaching every parameter.
import XCTest
import Foundation
import Modeling
import NN
import TestSupport

final class BackboneTests: XCTestCase {
    /// torchvision ResNet parameter counts without the classifier, from make_vision_fixtures.py.
    static let torchvisionCounts: [String: Int] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/vision_fixtures.json")
        guard let data = try? Data(contentsOf: url),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let cases = root["cases"] as? [String: Any], let counts = cases["parameter_counts"] as? [String: Int] else {
            fatalError("\(url.path): missing parameter_counts; regenerate with Tests/Fixtures/make_vision_fixtures.py")
        }
        return counts
    }()

    func testResNetParameterCountsMatchTorchvision() {
        for depth in [18, 34, 50] {
            var random = RandomGenerator(seed: UInt64(depth))
            let resnet = ResNet(depth: depth, normalization: .batchNorm, using: &random)
            XCTAssertEqual(resnet.parameterCount, Self.torchvisionCounts["resnet\(depth)"], "ResNet-\(depth)")
        }
        // ResNet-18 trunk: 11.18 M, the spec's "backbone 11.2 M".
        XCTAssertEqual(Double(Self.torchvisionCounts["resnet18"]!) / 1e6, 11.2, accuracy: 0.05)
    }

    func testResNetShapesNamesAndNormSelection() {
        var random = RandomGenerator(seed: 1)
        let images = Variable(randomTensor([2, 3, 64, 96], seed: 2))
        for (depth, width, norm, channels) in [(18, Float(0.25), ChannelNormalizationKind.groupNorm(groups: 4), [16, 32, 64, 128]),
                                               (50, Float(0.125), .frozenBatchNorm, [32, 64, 128, 256])] {
            let resnet = ResNet(depth: depth, widthMultiplier: width, normalization: norm, using: &random)
            XCTAssertEqual(resnet.outChannels, channels)
            let features = resnet(images).all
            for (level, feature) in features.enumerated() {
                let stride = 4 << level
                XCTAssertEqual(feature.shape, [2, channels[level], 64 / stride, 96 / stride], "ResNet-\(depth) res\(level + 2)")
            }
        }
        let resnet18 = ResNet(depth: 18, widthMultiplier: 0.25, normalization: .batchNorm, using: &random)
        let names = resnet18.namedParameters().map(\.0)
        XCTAssertEqual(names.first, "stem.conv1.weight")
        XCTAssertTrue(names.contains("res3.0.shortcut.norm.weight"), "detectron2-like names, got \(names.prefix(12))")
        XCTAssertTrue(names.contains("res5.1.conv2.norm.bias"))
        XCTAssertEqual(resnet18.namedBuffers().count, 2 * 20, "running mean and variance of 20 BatchNorms")
        let frozen = ResNet(depth: 18, widthMultiplier: 0.25, normalization: .frozenBatchNorm, using: &random)
        XCTAssertEqual(frozen.parameterCount, resnet18.parameterCount - resnet18.namedBuffers().map(\.1.value.count).reduce(0, +),
                       "FrozenBatchNorm contributes buffers only")
    }

    func testFPNShapesCountsAndGradients() {
        var random = RandomGenerator(seed: 3)
        // The paper's FPN on ResNet-50: 256 channels, ≈3.3 M parameters (spec §14).
        let paper = FPN(inChannels: [256, 512, 1024, 2048], outChannels: 256, using: &random)
        XCTAssertEqual(paper.parameterCount, (256 + 512 + 1024 + 2048) * 256 + 4 * 256 + 4 * (256 * 256 * 9 + 256))
        XCTAssertTrue(paper.lateral[0].bias!.value.scalars.allSatisfy { $0 == 0 }, "c2-xavier: zero bias")
        let bound = (3 / Float(2304)).squareRoot()
        XCTAssertTrue(paper.output[0].weight.value.scalars.allSatisfy { abs($0) <= bound }, "c2-xavier: U(±√(3/fan_in))")

        let resnet = ResNet(depth: 18, widthMultiplier: 0.125, normalization: .groupNorm(groups: 2), using: &random)
        let fpn = FPN(inChannels: resnet.outChannels, outChannels: 16, using: &random)
        let pyramid = fpn(resnet(Variable(randomTensor([1, 3, 64, 64], seed: 4))).all)
        XCTAssertEqual(pyramid.map(\.shape), [[1, 16, 16, 16], [1, 16, 8, 8], [1, 16, 4, 4], [1, 16, 2, 2]])
        pyramid.map { $0.sum() }.reduce(Variable(Tensor(0)), +).backward()
        for (name, parameter) in resnet.namedParameters() + fpn.namedParameters() {
            XCTAssertNotNil(parameter.grad, "\(name) received no gradient")
        }
    }

    /// model.backbone.frozen_stages = 2 (the official FREEZE_AT): stem and res2 get no gradient, are not
    /// trainable, keep their running statistics under train(), and the later stages still learn.
    func testFrozenStagesStopGradientsAndStayInEvaluationMode() {
        var random = RandomGenerator(seed: 5)
        let resnet = ResNet(depth: 18, widthMultiplier: 0.125, normalization: .batchNorm, using: &random)
        resnet.freeze(stages: 2)
        resnet.train()
        let frozenPrefixes = ["stem.", "res2."]
        func isFrozen(_ name: String) -> Bool { frozenPrefixes.contains { name.hasPrefix($0) } }
        let trainable = resnet.trainableNamedParameters().map(\.0)
        XCTAssertFalse(trainable.isEmpty)
        XCTAssertEqual(Set(trainable), Set(resnet.namedParameters().map(\.0).filter { !isFrozen($0) }))
        for (name, module) in resnet.namedModules() {
            XCTAssertEqual(module.isTraining, !isFrozen(name + "."), "\(name) training mode")
        }
        let frozenStatistics = resnet.namedBuffers().filter { isFrozen($0.0) }.map(\.1.value.scalars)
        let liveStatistics = resnet.namedBuffers().filter { !isFrozen($0.0) }.map(\.1.value.scalars)
        resnet(Variable(randomTensor([2, 3, 64, 64], seed: 6))).all.map { $0.sum() }.reduce(Variable(Tensor(0)), +).backward()
        for (name, parameter) in resnet.namedParameters() {
            if isFrozen(name) { XCTAssertNil(parameter.grad, "\(name) is frozen but got a gradient") }
            else { XCTAssertNotNil(parameter.grad, "\(name) received no gradient") }
        }
        XCTAssertEqual(resnet.namedBuffers().filter { isFrozen($0.0) }.map(\.1.value.scalars), frozenStatistics, "frozen running statistics moved")
        XCTAssertNotEqual(resnet.namedBuffers().filter { !isFrozen($0.0) }.map(\.1.value.scalars), liveStatistics, "live running statistics did not update")
    }
}
