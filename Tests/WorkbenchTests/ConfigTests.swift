// Config parsing and validation: every error names the file (or command line), the key and the closest
// valid choices; extends chains and cycles; typed overrides; `config show` documentation.
import XCTest
@testable import Workbench

final class ConfigTests: XCTestCase {
    func assertError(_ body: () throws -> Void, contains fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            for fragment in fragments { XCTAssertTrue("\(error)".contains(fragment), "'\(error)' lacks '\(fragment)'", file: file, line: line) }
        }
    }

    func testDefaultsFollowTheSpec() throws {
        let sandbox = try Sandbox()
        try sandbox.write("empty", "")
        let config = ResolvedConfig(file: try sandbox.experiment("empty"))
        XCTAssertEqual(config.int("diffusion.timesteps"), 1000)
        XCTAssertEqual(config.double("diffusion.signal_scale"), 2.0)
        XCTAssertEqual(config.string("sampler.kind"), "ddim")
        XCTAssertEqual(config.double("sampler.eta"), 1.0)
        XCTAssertEqual(config.int("model.proposals"), 500)
        XCTAssertEqual(config.double("loss.mask_weight"), 5)
        XCTAssertEqual(config.ints("schedule.milestones"), [350_000, 420_000])
        XCTAssertEqual(config.label, "base")
    }

    func testUnknownKeyNamesFileKeyAndSuggestion() throws {
        let sandbox = try Sandbox()
        let path = try sandbox.write("typo", "[sampler]\nstpes = 4\n")
        assertError({ _ = try sandbox.experiment("typo") }, contains: [path, "sampler.stpes", "unknown key", "sampler.steps"])
    }

    func testBadChoiceRangeAndTypeAreNamed() throws {
        let sandbox = try Sandbox()
        let choice = try sandbox.write("choice", "[sampler]\nkind = \"dimm\"\n")
        assertError({ _ = try sandbox.experiment("choice") }, contains: [choice, "sampler.kind", "'dimm' is not one of", "did you mean 'ddim'"])
        let range = try sandbox.write("range", "[sampler]\neta = 1.5\n")
        assertError({ _ = try sandbox.experiment("range") }, contains: [range, "sampler.eta", "outside 0.0...1.0"])
        let type = try sandbox.write("type", "[train]\nmax_steps = \"many\"\n")
        assertError({ _ = try sandbox.experiment("type") }, contains: [type, "train.max_steps", "expected integer"])
        let section = try sandbox.write("section", "sampler = 3\n")
        assertError({ _ = try sandbox.experiment("section") }, contains: [section, "sampler", "is a section"])
        let syntax = try sandbox.write("syntax", "[train\nmax_steps = 3\n")
        assertError({ _ = try sandbox.experiment("syntax") }, contains: [syntax, "line 1"])
    }

    func testExtendsChainsOverridesAndDetectsCycles() throws {
        let sandbox = try Sandbox()
        try sandbox.write("base", "task = \"toy\"\n[optimizer]\nlr = 0.1\nweight_decay = 0.5\n")
        try sandbox.write("child", "extends = \"base\"\n[optimizer]\nlr = 0.2\n")
        let config = ResolvedConfig(file: try sandbox.experiment("child"))
        XCTAssertEqual(config.double("optimizer.lr"), 0.2)
        XCTAssertEqual(config.double("optimizer.weight_decay"), 0.5)
        XCTAssertEqual(config.string("task"), "toy")
        XCTAssertTrue(config.sources["optimizer.weight_decay"]!.hasSuffix("base.toml"))
        try sandbox.write("a", "extends = \"b\"\n")
        try sandbox.write("b", "extends = \"a\"\n")
        assertError({ _ = try sandbox.experiment("a") }, contains: ["circular extends"])
        try sandbox.write("orphan", "extends = \"missing\"\n")
        assertError({ _ = try sandbox.experiment("orphan") }, contains: ["orphan.toml", "extends", "missing.toml"])
    }

    func testCommandLineOverridesAreTypedAndValidated() throws {
        XCTAssertEqual(try Override.parse("sampler.steps=4").key, "sampler.steps")
        guard case .set(_, .double(let lr)) = try Override.parse("optimizer.lr=1e-4") else { return XCTFail() }
        XCTAssertEqual(lr, 1e-4)
        guard case .set(_, .list(let steps)) = try Override.parse("evaluation.sampling_steps=[1,2,4]") else { return XCTFail() }
        XCTAssertEqual(steps, [.int(1), .int(2), .int(4)])
        guard case .sweep(_, let values) = try Override.parse("sampler.steps=1,2,4") else { return XCTFail() }
        XCTAssertEqual(values, [.int(1), .int(2), .int(4)])
        guard case .sweep(_, let range) = try Override.parse("seeds.base=range(0,3)") else { return XCTFail() }
        XCTAssertEqual(range, [.int(0), .int(1), .int(2)])
        guard case .set(_, .bool(false)) = try Override.parse("sampler.renewal=false") else { return XCTFail() }
        assertError({ _ = try Override.parse("sampler.stepz=4") }, contains: ["command line", "sampler.stepz", "did you mean 'sampler.steps'"])
        assertError({ _ = try Override.parse("sampler.steps=four") }, contains: ["sampler.steps", "expected an integer"])
        assertError({ _ = try Override.parse("sampler.steps") }, contains: ["expected key.path=value"])
    }

    func testConfigShowDocumentsEveryKey() throws {
        let sandbox = try Sandbox()
        try sandbox.write("exp", toyExperiment)
        let text = ResolvedConfig(file: try sandbox.experiment("exp")).documented()
        for key in ConfigSchema.standard.keys { XCTAssertTrue(text.contains("\(key.path) = "), key.path) }
        XCTAssertTrue(text.contains("sampler.eta = 1.0    # number in 0.0...1.0; default"))
        XCTAssertTrue(text.contains("DDIM eta"))
    }

    func testShippedExperimentsValidate() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let files = try FileManager.default.contentsOfDirectory(atPath: root + "/Experiments").filter { $0.hasSuffix(".toml") }
        XCTAssertTrue(files.contains("quickstart.toml"))
        for name in files {
            let plan = try SweepPlan(experiment: ExperimentFile(path: root + "/Experiments/" + name), overrides: [], includeSweep: true)
            XCTAssertGreaterThan(plan.configs.count, 0, name)
        }
    }
}
