// `diffinst eval --run`: re-evaluate a trained run's checkpoint on its own held-out split under other
// sampler settings (steps, proposals, eta, renewal, ensemble, NMS, seeds) without retraining: the
// "try a new sampler" loop of the users' asks. Only keys that leave the trained network unchanged
// may differ from the run's config; a comma list is an axis, and every combination is evaluated.
import Foundation
import Recording
import Evaluation

public enum RunEvaluation {
    /// Config keys an evaluation may change: everything else shapes the trained weights.
    public static let adjustablePrefixes = ["sampler.", "evaluation.", "seeds.sampling"]

    public struct Row {
        /// The swept values of this row (empty when nothing is swept).
        public var settings: [(key: String, value: String)]
        public var steps: Int
        /// COCO numbers as `segm.AP`, `bbox.AP50`, …, per category `segm.AP.cat.<name>`.
        public var metrics: [String: Double]
        /// Wall-clock seconds of prediction + scoring per held-out image (and per noise seed).
        public var secondsPerImage: Double
        /// With `confusion`: the class of each held-out object's top-scoring overlapping detection (first noise seed).
        public var confusion: ClassConfusion?
    }

    public struct Outcome {
        public var checkpoint: String
        public var images: Int
        public var rows: [Row]
        /// The JSON file written under the run directory.
        public var file: String
    }

    /// - Parameters:
    ///   - overrides: parsed `key=value` / `key=a,b` arguments, each on an adjustable key.
    ///   - confusion: also count, per row, which class each held-out object is given.
    ///   - progress: called with each finished row.
    public static func run(runDirectory: String, checkpoint: String?, overrides: [Override], confusion: Bool = false,
                           progress: (Row) -> Void = { _ in }) throws -> Outcome {
        let run = RunDirectory(path: runDirectory)
        guard run.isRun else { throw TaskError("\(runDirectory) is not a run directory (no config.json)") }
        var base = try ResolvedConfig.read(jsonFile: run.configPath)
        guard base.string("task") == "diffusioninst" else {
            throw TaskError("\(run.configPath): task is '\(base.string("task"))'; eval --run evaluates diffusioninst runs")
        }
        var axes: [(key: String, values: [ConfigValue])] = []
        var stepsOverride: [Int]? = nil
        for override in overrides {
            guard adjustablePrefixes.contains(where: { override.key.hasPrefix($0) }) else {
                throw ConfigError(source: "command line", key: override.key,
                                  message: "changes the trained network or its training; eval --run accepts only sampler.*, evaluation.* and seeds.sampling")
            }
            switch override {
            case .set(let key, let value) where key == "sampler.steps": stepsOverride = [value.intValue!]
            case .sweep(let key, let values) where key == "sampler.steps": stepsOverride = values.compactMap(\.intValue)
            case .set(let key, let value): base.set(key, value, source: "command line")
            case .sweep(let key, _) where key == "evaluation.max_images" || key == "evaluation.sampling_steps":
                throw ConfigError(source: "command line", key: key,
                                  message: "cannot be swept here (the held-out images and step list are fixed per evaluation); sweep sampler.steps=a,b instead of the step list")
            case .sweep(let key, let values): axes.append((key, values))
            }
        }
        // sampler.steps on the command line replaces the run's list of evaluated step counts.
        let stepCounts = stepsOverride ?? DiffusionInstTask.evaluatedStepCounts(base)
        guard let path = checkpoint ?? run.checkpoints().last else {
            throw TaskError("run \(runDirectory) has no checkpoint; pass --checkpoint")
        }
        guard FileManager.default.fileExists(atPath: path) else { throw TaskError("checkpoint \(path) does not exist") }
        let task = try DiffusionInstTask(config: base)
        try task.restore(try CheckpointFile.read(from: path), weightsOnly: true)

        var combinations: [[(String, ConfigValue)]] = [[]]
        for axis in axes { combinations = combinations.flatMap { row in axis.values.map { row + [(axis.key, $0)] } } }
        var rows: [Row] = []
        for combination in combinations {
            var config = base
            for (key, value) in combination { config.set(key, try config.schema.validate(key, value, source: "command line"), source: "command line") }
            for steps in stepCounts {
                config.set("sampler.steps", .int(steps), source: "command line")
                config.set("evaluation.sampling_steps", .list([.int(steps)]), source: "command line")
                let start = Date()
                let (result, confusions) = try task.evaluate(with: config, confusion: confusion)
                let seconds = Date().timeIntervalSince(start) / Double(max(1, task.evaluationCount * config.int("evaluation.noise_seeds")))
                let row = Row(settings: combination.map { ($0.0, $0.1.description) }, steps: steps,
                              metrics: result.metrics.filter { !$0.key.contains("@steps=") }, secondsPerImage: seconds,
                              confusion: confusions[steps])
                rows.append(row)
                progress(row)
            }
        }
        let file = try write(rows, checkpoint: path, images: task.evaluationCount, overrides: overrides, run: run)
        return Outcome(checkpoint: path, images: task.evaluationCount, rows: rows, file: file)
    }

    /// Writes `<run>/evaluations/<checkpoint>-<hash of the arguments>.json`; returns its path.
    static func write(_ rows: [Row], checkpoint: String, images: Int, overrides: [Override], run: RunDirectory) throws -> String {
        let folder = run.path + "/evaluations"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let arguments = overrides.map { o -> String in
            switch o {
            case .set(let k, let v): return "\(k)=\(v.description)"
            case .sweep(let k, let vs): return "\(k)=\(vs.map(\.description).joined(separator: ","))"
            }
        }
        let name = ((checkpoint as NSString).lastPathComponent as NSString).deletingPathExtension
        let file = "\(folder)/\(name)-\(String(fnv1a(arguments.joined(separator: " ")) & 0xFFFF_FFFF, radix: 16)).json"
        let object: [String: Any] = [
            "checkpoint": checkpoint, "images": images, "arguments": arguments,
            "rows": rows.map { row -> [String: Any] in
                var entry: [String: Any] = [
                    "settings": Dictionary(row.settings.map { ($0.key, $0.value) }, uniquingKeysWith: { _, b in b }),
                    "steps": row.steps, "seconds_per_image": row.secondsPerImage, "metrics": row.metrics]
                if let confusion = row.confusion { entry["confusion"] = confusion.dictionary }
                return entry
            },
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        do { try data.write(to: URL(fileURLWithPath: file), options: .atomic) } catch {
            throw TaskError("\(file): cannot be written (\(error.localizedDescription))")
        }
        return file
    }
}
