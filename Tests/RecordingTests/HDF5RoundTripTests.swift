// HDF5 round trips through our own writer and reader: appendable series (including NaN backfill for late
// columns, truncation for resume), string/number attributes, and checkpoints with every entry kind.
import XCTest
import Recording
import Tensor

final class HDF5RoundTripTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "recording-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func testMetricsSeriesRoundTripWithLateColumnsAndFlushBlocks() throws {
        let path = directory + "/metrics.h5"
        var expectedLoss: [Double] = [], expectedLate: [Double] = []
        do {
            let writer = try MetricsWriter(path: path, flushEvery: 7)
            try writer.setAttribute("config", json: "{\"a\": 1}")
            for step in 1...50 {
                var scalars = ["loss": 1.0 / Double(step), "lr": 0.1]
                // A term that appears only from step 20 on must read as NaN before.
                if step >= 20 { scalars["loss_late"] = Double(step) }
                expectedLoss.append(1.0 / Double(step))
                expectedLate.append(step >= 20 ? Double(step) : .nan)
                try writer.logTraining(step: step, scalars: scalars)
                if step % 10 == 0 { try writer.logEvaluation(step: step, metrics: ["segm.AP": Double(step) / 100]) }
            }
        }
        let metrics = try RunMetrics(path: path)
        XCTAssertEqual(metrics.attributes["schema"], metricsSchemaVersion)
        XCTAssertEqual(metrics.attributes["config"], "{\"a\": 1}")
        XCTAssertEqual(metrics.train["step"], (1...50).map(Double.init))
        XCTAssertEqual(metrics.train["loss"], expectedLoss)
        let late = metrics.train["loss_late"]!
        XCTAssertEqual(late.count, 50)
        for (a, b) in zip(late, expectedLate) { XCTAssertTrue(a == b || (a.isNaN && b.isNaN), "\(a) vs \(b)") }
        XCTAssertEqual(metrics.evaluation["step"], [10, 20, 30, 40, 50])
        XCTAssertEqual(metrics.evaluationCurve("segm.AP").map(\.value), [0.1, 0.2, 0.3, 0.4, 0.5])
    }

    func testTruncateForResumeDropsLaterRowsAndContinues() throws {
        let path = directory + "/metrics.h5"
        do {
            let writer = try MetricsWriter(path: path, flushEvery: 1)
            for step in 1...30 { try writer.logTraining(step: step, scalars: ["loss": Double(step)]) }
            try writer.logEvaluation(step: 10, metrics: ["m": 1])
            try writer.logEvaluation(step: 20, metrics: ["m": 2])
        }
        do {
            let writer = try MetricsWriter(path: path, continueExisting: true, flushEvery: 1)
            try writer.truncate(afterStep: 12)
            for step in 13...15 { try writer.logTraining(step: step, scalars: ["loss": -Double(step)]) }
        }
        let metrics = try RunMetrics(path: path)
        XCTAssertEqual(metrics.train["step"], (1...15).map(Double.init))
        XCTAssertEqual(metrics.train["loss"], (1...12).map(Double.init) + [-13, -14, -15])
        XCTAssertEqual(metrics.evaluation["step"], [10])
    }

    func testCheckpointRoundTripKeepsEveryEntryExactly() throws {
        var state = CheckpointState()
        state.tensors["model.layer.weight"] = Tensor(shape: [2, 3], scalars: [1, -2, 3.5, .pi, 0, -0.125])
        state.tensors["model.scalar"] = Tensor(shape: [], scalars: [7])
        state.scalars["schedule.last_lr"] = 1e-5
        state.integers["trainer.step"] = 1234
        state.integers["rng.state"] = Int(bitPattern: 0xdead_beef_cafe_f00d)
        state.bytes["data.permutation"] = [0, 1, 255, 7]
        let path = directory + "/step.h5"
        try CheckpointFile.write(state, to: path)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".partial"))
        let back = try CheckpointFile.read(from: path)
        XCTAssertEqual(back.tensors["model.layer.weight"]?.shape, [2, 3])
        XCTAssertEqual(back.tensors["model.layer.weight"]?.scalars, [1, -2, 3.5, .pi, 0, -0.125])
        XCTAssertEqual(back.tensors["model.scalar"]?.scalars, [7])
        XCTAssertEqual(back.scalars, state.scalars)
        XCTAssertEqual(back.integers, state.integers)
        XCTAssertEqual(back.bytes, state.bytes)
        XCTAssertEqual(Set(back.filtered(prefix: "model.").tensors.keys), ["model.layer.weight", "model.scalar"])
        XCTAssertTrue(back.filtered(prefix: "model.").integers.isEmpty)
    }

    func testReadingMissingFilesNamesThem() {
        XCTAssertThrowsError(try RunMetrics(path: directory + "/nope.h5")) { error in
            XCTAssertTrue("\(error)".contains("nope.h5"), "\(error)")
        }
        XCTAssertThrowsError(try CheckpointFile.read(from: directory + "/missing.h5")) { error in
            XCTAssertTrue("\(error)".contains("missing.h5"), "\(error)")
        }
    }

    func testProgressBarShowsStepLossRateAndETA() {
        let bar = ProgressBar(total: 100, quiet: true)
        let text = bar.render(step: 25, loss: 0.5, elapsed: 5)
        XCTAssertTrue(text.contains("step 25/100"), text)
        XCTAssertTrue(text.contains("loss 0.5"), text)
        XCTAssertTrue(text.contains("5.0 it/s"), text)
        XCTAssertTrue(text.contains("ETA 0:15"), text)
        XCTAssertEqual(ProgressBar.clock(3725), "1:02:05")
    }
}
