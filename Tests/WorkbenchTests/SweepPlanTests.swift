// Sweep expansion: grid x zip x random x seeds counts and order, ranges, reproducible seeded draws,
// command-line axes replacing file axes, and the run-id rules (unique, stable, settings + hash).
import XCTest
@testable import Workbench

final class SweepPlanTests: XCTestCase {
    func testGridZipRandomAndSeedsExpandToTheProduct() throws {
        let sandbox = try Sandbox()
        try sandbox.write("sweep", toyExperiment + """

        [sweep]
        seeds = [1, 2]
        [sweep.grid]
        "optimizer.lr" = [0.01, 0.1]
        "toy.hidden" = { range = [8, 33, 8] }
        [sweep.zip]
        "toy.spread" = [0.5, 1.0, 1.5]
        "toy.eval_noise" = [0.1, 0.2, 0.3]
        [sweep.random]
        count = 2
        seed = 11
        "optimizer.weight_decay" = { log_uniform = [1e-5, 1e-2] }
        """)
        let plan = try SweepPlan(experiment: sandbox.experiment("sweep"), overrides: [], includeSweep: true)
        XCTAssertEqual(plan.configs.count, 2 * 4 * 3 * 2 * 2)
        XCTAssertEqual(Set(plan.configs.map(\.runID)).count, plan.configs.count, "run ids must be unique")
        let first = plan.configs[0]
        XCTAssertEqual(first.settings.map(\.key), ["optimizer.lr", "toy.hidden", "toy.eval_noise", "toy.spread", "optimizer.weight_decay", "seeds.base"],
                       "axes of one section are ordered by key name (TOML tables are unordered)")
        XCTAssertEqual(Set(plan.configs.map { $0.int("toy.hidden") }), [8, 16, 24, 32])
        // Zipped axes move together.
        for config in plan.configs { XCTAssertEqual(config.double("toy.eval_noise"), config.double("toy.spread") / 5, accuracy: 1e-12) }
        // Seeds are the innermost axis.
        XCTAssertEqual(plan.configs.prefix(2).map { $0.int("seeds.base") }, [1, 2])
        XCTAssertTrue(first.label.hasPrefix("lr=0.01,hidden=8,eval_noise=0.1,spread=0.5,weight_decay="), first.label)
        XCTAssertTrue(first.label.hasSuffix(",seed=1"), first.label)
        // Random draws are reproducible, inside their bounds, and change with the seed.
        let again = try SweepPlan(experiment: sandbox.experiment("sweep"), overrides: [], includeSweep: true)
        XCTAssertEqual(plan.configs.map(\.hash), again.configs.map(\.hash))
        let decays = Set(plan.configs.map { $0.double("optimizer.weight_decay") })
        XCTAssertEqual(decays.count, 2)
        XCTAssertTrue(decays.allSatisfy { $0 >= 1e-5 && $0 <= 1e-2 })
    }

    func testCommandLineAxesAndOverridesReplaceFileAxes() throws {
        let sandbox = try Sandbox()
        try sandbox.write("sweep", toyExperiment + "\n[sweep]\nseeds = [1, 2, 3]\n[sweep.grid]\n\"optimizer.lr\" = [0.01, 0.1]\n")
        let file = try sandbox.experiment("sweep")
        let plan = try SweepPlan(experiment: file, overrides: [try Override.parse("optimizer.lr=0.5"), try Override.parse("sampler.steps=1,2")], includeSweep: true)
        XCTAssertEqual(plan.configs.count, 2 * 3)
        XCTAssertTrue(plan.configs.allSatisfy { $0.double("optimizer.lr") == 0.5 })
        XCTAssertEqual(plan.configs.map { $0.int("sampler.steps") }, [1, 1, 1, 2, 2, 2])
        // `train` ignores the file's sweep and refuses command-line sweeps.
        let single = try SweepPlan(experiment: file, overrides: [], includeSweep: false)
        XCTAssertEqual(single.configs.count, 1)
        XCTAssertThrowsError(try SweepPlan(experiment: file, overrides: [try Override.parse("sampler.steps=1,2")], includeSweep: false)) { error in
            XCTAssertTrue("\(error)".contains("diffinst sweep"), "\(error)")
        }
    }

    func testSweepValuesAreValidatedBeforeAnythingRuns() throws {
        let sandbox = try Sandbox()
        let path = try sandbox.write("bad", toyExperiment + "\n[sweep.grid]\n\"sampler.kind\" = [\"ddim\", \"dpm\"]\n")
        XCTAssertThrowsError(try sandbox.experiment("bad")) { error in
            XCTAssertTrue("\(error)".contains(path) && "\(error)".contains("sampler.kind") && "\(error)".contains("'dpm'"), "\(error)")
        }
        let zip = try sandbox.write("zip", toyExperiment + "\n[sweep.zip]\n\"toy.hidden\" = [1, 2]\n\"toy.spread\" = [0.5]\n")
        XCTAssertThrowsError(try sandbox.experiment("zip")) { error in
            XCTAssertTrue("\(error)".contains(zip) && "\(error)".contains("equal lengths"), "\(error)")
        }
        try sandbox.write("section", toyExperiment + "\n[sweep.gird]\n\"toy.hidden\" = [1, 2]\n")
        XCTAssertThrowsError(try sandbox.experiment("section")) { error in
            XCTAssertTrue("\(error)".contains("did you mean 'grid'"), "\(error)")
        }
    }

    func testRunIDsAreStableAndDifferWithSettings() throws {
        let sandbox = try Sandbox()
        try sandbox.write("exp", toyExperiment)
        let file = try sandbox.experiment("exp")
        let a = try SweepPlan(experiment: file, overrides: [try Override.parse("optimizer.lr=0.02")], includeSweep: false).configs[0]
        let b = try SweepPlan(experiment: file, overrides: [try Override.parse("optimizer.lr=0.02")], includeSweep: false).configs[0]
        let c = try SweepPlan(experiment: file, overrides: [try Override.parse("optimizer.lr=0.03")], includeSweep: false).configs[0]
        XCTAssertEqual(a.runID, b.runID)
        XCTAssertNotEqual(a.hash, c.hash)
        XCTAssertTrue(a.runID.hasPrefix("lr=0.02-"), a.runID)
        XCTAssertEqual(a.runID.count, "lr=0.02-".count + 8)
    }

    func testConcurrentRunDirectoryCreationNeverCollides() throws {
        let sandbox = try Sandbox()
        let count = 16
        var paths = [String?](repeating: nil, count: count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: count) { i in
            let run = try? RunDirectory.create(parent: sandbox.results + "/exp", runID: "base-0123abcd", configJSON: "{\"i\": \(i)}")
            lock.lock(); paths[i] = run?.path; lock.unlock()
        }
        let created = paths.compactMap { $0 }
        XCTAssertEqual(created.count, count)
        XCTAssertEqual(Set(created).count, count)
        // Each directory holds the config of the creator that won it.
        let configs = Set(created.compactMap { try? String(contentsOfFile: $0 + "/config.json", encoding: .utf8) })
        XCTAssertEqual(configs.count, count)
        XCTAssertThrowsError(try RunDirectory.create(parent: sandbox.results + "/exp", runID: "base-0123abcd", configJSON: "{}", exact: true))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: sandbox.results + "/exp").filter { $0.hasPrefix(".creating") }
        XCTAssertEqual(leftovers, [])
    }
}
