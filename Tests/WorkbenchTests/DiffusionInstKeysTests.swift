// Every model/matcher/optimizer key of the diffusioninst task changes what is trained, or, where a value
// is not implemented, the task refuses it by name: a sweep over a key must never train the same model
// under different names.
import XCTest
import Optim
import Modeling
@testable import Workbench

final class DiffusionInstKeysTests: XCTestCase {
    func config(_ overrides: [String]) throws -> ResolvedConfig {
        let sandbox = try Sandbox()
        try sandbox.write("exp", DiffusionInstRunTests.experiment)
        return try SweepPlan(experiment: sandbox.experiment("exp"), overrides: overrides.map { try Override.parse($0) },
                             includeSweep: false).configs[0]
    }

    func testMatcherKeysReachTheMatcher() throws {
        let c = try DiffusionInstFactory.configuration(config(["matcher.ota_k=3", "matcher.cost_class=1.5", "matcher.cost_l1=4",
                                                              "matcher.cost_giou=0.5", "loss.focal_alpha=0.4"]))
        let matcher = try XCTUnwrap(c.makeMatcher() as? DynamicKMatcher)
        XCTAssertEqual(matcher.candidateCount, 3)
        XCTAssertEqual(matcher.weights.classWeight, 1.5)
        XCTAssertEqual(matcher.weights.l1Weight, 4)
        XCTAssertEqual(matcher.weights.giouWeight, 0.5)
        XCTAssertEqual(matcher.weights.focalAlpha, 0.4, accuracy: 1e-7)
        let hungarian = try DiffusionInstFactory.configuration(config(["matcher.kind=hungarian", "matcher.cost_l1=7"])).makeMatcher()
        XCTAssertEqual((hungarian as? HungarianMatcher)?.weights.l1Weight, 7)
    }

    func testUnimplementedValuesAreRejectedByName() throws {
        for (override, key) in [("model.decoder.dropout=0.1", "model.decoder.dropout"), ("model.decoder.dynamic_layers=3", "model.decoder.dynamic_layers"),
                                ("mask.stride=8", "mask.stride"), ("mask.upsampling=nearest", "mask.upsampling"),
                                ("model.backbone.pretrained=weights.h5", "model.backbone.pretrained"), ("deterministic=false", "deterministic")] {
            XCTAssertThrowsError(try DiffusionInstFactory.configuration(config([override])), override) { error in
                XCTAssertTrue("\(error)".contains(key) && "\(error)".contains("not implemented"), "\(override): \(error)")
            }
        }
        XCTAssertNoThrow(try DiffusionInstFactory.configuration(config([])))
    }

    func testDeepSupervisionFrozenStagesAndOptimizerKind() throws {
        let deep = try DiffusionInstTask(config: config([]))
        let row = try deep.trainStep(step: 1)
        XCTAssertNotNil(row["loss_ce_0"], "the first of 2 stages is supervised by default")
        XCTAssertTrue(deep.optimizer is AdamW)
        XCTAssertEqual(deep.parameters.count, deep.model.namedParameters().count)

        let shallow = try DiffusionInstTask(config: config(["model.decoder.deep_supervision=false", "model.backbone.frozen_stages=2",
                                                            "optimizer.kind=sgd"]))
        let shallowRow = try shallow.trainStep(step: 1)
        XCTAssertNil(shallowRow["loss_ce_0"], "only the last stage is supervised")
        XCTAssertNotNil(shallowRow["loss_ce"])
        XCTAssertTrue(shallow.optimizer is SGD)
        let frozen = shallow.model.namedParameters().filter { $0.0.hasPrefix("features.backbone.stem.") || $0.0.hasPrefix("features.backbone.res2.") }
        XCTAssertFalse(frozen.isEmpty)
        XCTAssertEqual(shallow.parameters.count, shallow.model.namedParameters().count - frozen.count)
        XCTAssertTrue(frozen.allSatisfy { $0.1.grad == nil }, "frozen backbone stages received gradients")
    }
}
