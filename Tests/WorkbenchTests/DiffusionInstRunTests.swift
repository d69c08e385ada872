// The diffusioninst task through the runner, in-process, at a toy size: a run interrupted after a
// checkpoint and resumed equals an uninterrupted one bit for bit (weights, optimizer moments, logged
// losses, evaluation AP), which covers the prefetching loader's position and the diffusion RNG state.
import XCTest
import Recording
@testable import Workbench

final class DiffusionInstRunTests: XCTestCase {
    static let experiment = """
    task = "diffusioninst"
    [seeds]
    base = 5
    [model]
    classes = 2
    proposals = 6
    [model.backbone]
    name = "resnet18"
    width_multiplier = 0.125
    norm = "batchnorm"
    frozen_stages = 0
    [model.fpn]
    channels = 16
    [model.mask_branch]
    channels = 8
    [model.decoder]
    stages = 2
    hidden_dim = 16
    heads = 2
    feedforward = 32
    dynamic_dim = 4
    [sampler]
    proposals = 6
    [optimizer]
    lr = 1e-3
    [schedule]
    kind = "cosine"
    warmup_steps = 2
    [train]
    max_steps = 6
    batch_size = 2
    eval_every = 6
    checkpoint_every = 2
    [data]
    dataset = "synthetic_shapes"
    image_size = 32
    max_size = 32
    crop = false
    [data.synthetic]
    images = 5
    max_objects = 2
    [evaluation]
    sampling_steps = [1, 2]
    max_images = 2
    """

    func testResumedRunEqualsAnUninterruptedOne() throws {
        let sandbox = try Sandbox()
        try sandbox.write("exp", Self.experiment)
        let config = try SweepPlan(experiment: sandbox.experiment("exp"), overrides: [], includeSweep: false).configs[0]
        let quiet = TrainOptions(quiet: true)
        let (whole, finished) = try Trainer.start(config: config, results: sandbox.results, runDirectory: sandbox.results + "/whole", options: quiet)
        XCTAssertEqual(finished.lastStep, 6)
        // Stopped after step 3: the last checkpoint is step 2, and 5 images per epoch make the resumed
        // loader start inside an epoch with a batch that spans two.
        let (broken, stopped) = try Trainer.start(config: config, results: sandbox.results, runDirectory: sandbox.results + "/broken",
                                                  options: TrainOptions(quiet: true, stopAfterStep: 3))
        XCTAssertEqual(stopped.lastStep, 3)
        XCTAssertEqual(broken.checkpoints().map { URL(fileURLWithPath: $0).lastPathComponent }.last, "step_000000002.h5")
        XCTAssertEqual(try Trainer.resume(run: broken, options: quiet).lastStep, 6)

        let a = try RunMetrics(path: whole.metricsPath), b = try RunMetrics(path: broken.metricsPath)
        XCTAssertEqual(a.train["step"], [1, 2, 3, 4, 5, 6].map(Double.init))
        for name in ["loss", "loss_ce", "loss_giou", "loss_masks", "lr", "grad_norm"] {
            XCTAssertNotNil(a.train[name], name)
            XCTAssertEqual(a.train[name], b.train[name], name)
        }
        XCTAssertTrue(a.train["loss"]!.allSatisfy { $0.isFinite && $0 > 0 })
        for name in ["segm.AP", "bbox.AP", "segm.AP@steps=2"] {
            XCTAssertNotNil(a.evaluation[name], name)
            XCTAssertEqual(a.evaluation[name], b.evaluation[name], name)
        }
        // Two classes (circle, ellipse): one AP per category, and COCO's AP is their mean over the
        // categories with ground truth (−1 = none in the split).
        for kind in ["segm", "bbox"] {
            let perCategory = ["circle", "ellipse"].map { a.evaluation["\(kind).AP.cat.\($0)"] }
            XCTAssertTrue(perCategory.allSatisfy { $0 != nil }, "\(kind): per-category AP missing: \(a.evaluation.keys.sorted())")
            for series in perCategory.compactMap({ $0 }) { XCTAssertTrue(series.allSatisfy { $0 == -1 || (0...1).contains($0) }, "\(kind) \(series)") }
            let overall = a.evaluation["\(kind).AP"]!
            for (row, value) in overall.enumerated() {
                let present = perCategory.compactMap { $0?[row] }.filter { $0 >= 0 }
                XCTAssertFalse(present.isEmpty)
                XCTAssertEqual(present.reduce(0, +) / Double(present.count), value, accuracy: 1e-9, "\(kind) row \(row)")
            }
            // Class-agnostic AP and AP50 are logged next to them (same detections, categories ignored).
            for key in ["AP", "AP50"] {
                let agnostic = try XCTUnwrap(a.evaluation["\(kind).\(key).agnostic"], "\(kind).\(key).agnostic missing")
                XCTAssertEqual(agnostic.count, overall.count)
                XCTAssertTrue(agnostic.allSatisfy { (0...1).contains($0) }, "\(kind).\(key).agnostic \(agnostic)")
            }
        }
        let finalA = try CheckpointFile.read(from: whole.checkpoints().last!), finalB = try CheckpointFile.read(from: broken.checkpoints().last!)
        XCTAssertEqual(Set(finalA.tensors.keys), Set(finalB.tensors.keys))
        XCTAssertTrue(finalA.tensors.keys.contains { $0.hasPrefix("optimizer.") })
        for (name, tensor) in finalA.tensors { XCTAssertEqual(tensor.scalars, finalB.tensors[name]!.scalars, name) }
        XCTAssertEqual(finalA.integers, finalB.integers)
    }

    /// `eval --run`: the final checkpoint re-evaluated with the run's own settings reproduces the AP the
    /// run logged at its last step; swept sampler settings give one row each; model keys are refused.
    func testEvalRunReevaluatesACheckpointUnderOtherSamplerSettings() throws {
        let sandbox = try Sandbox()
        try sandbox.write("exp", Self.experiment)
        let config = try SweepPlan(experiment: sandbox.experiment("exp"), overrides: [], includeSweep: false).configs[0]
        let (run, _) = try Trainer.start(config: config, results: sandbox.results, runDirectory: sandbox.results + "/run", options: TrainOptions(quiet: true))
        let logged = try RunMetrics(path: run.metricsPath).evaluation

        let same = try RunEvaluation.run(runDirectory: run.path, checkpoint: nil, overrides: [])
        XCTAssertEqual(same.rows.map(\.steps), [1, 2])
        XCTAssertEqual(same.rows[0].metrics["segm.AP"], logged["segm.AP@steps=1"]!.last)
        XCTAssertEqual(same.rows[1].metrics["bbox.AP"], logged["bbox.AP@steps=2"]!.last)

        let swept = try RunEvaluation.run(runDirectory: run.path, checkpoint: nil,
                                          overrides: [try Override.parse("sampler.proposals=6,12"), try Override.parse("sampler.steps=1")])
        XCTAssertEqual(swept.rows.map { $0.settings.map(\.value) }, [["6"], ["12"]])
        XCTAssertEqual(swept.rows[0].metrics["segm.AP"], logged["segm.AP@steps=1"]!.last)
        XCTAssertTrue(swept.rows.allSatisfy { $0.secondsPerImage > 0 && $0.metrics["segm.AP50"] != nil })
        let written = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: swept.file))) as! [String: Any]
        XCTAssertEqual((written["rows"] as! [Any]).count, 2)
        XCTAssertTrue(swept.file.hasPrefix(run.path + "/evaluations/"))

        XCTAssertThrowsError(try RunEvaluation.run(runDirectory: run.path, checkpoint: nil, overrides: [try Override.parse("model.proposals=12")])) {
            XCTAssertTrue("\($0)".contains("model.proposals"), "\($0)")
        }
        XCTAssertThrowsError(try RunEvaluation.run(runDirectory: run.path, checkpoint: run.path + "/checkpoints/missing.h5", overrides: [])) {
            XCTAssertTrue("\($0)".contains("missing.h5"), "\($0)")
        }
    }
}
