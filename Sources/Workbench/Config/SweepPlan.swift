// Hydra-style command-line overrides (`key.path=value`, `key=a,b`, `key=range(0,5)`) and the expansion
// of an experiment's sweep into jobs: grid (cartesian) x zipped rows x seeded random draws x seeds.
// Everything is validated here, before any job starts.
import Tensor
import Foundation

/// One parsed command-line override.
public enum Override {
    case set(key: String, value: ConfigValue)
    case sweep(key: String, values: [ConfigValue])

    public var key: String {
        switch self { case .set(let k, _), .sweep(let k, _): return k }
    }

    /// Parses `key=value`, `key=a,b,c` (a sweep axis) or `key=range(start,stop[,step])`.
    public static func parse(_ argument: String, schema: ConfigSchema = .standard) throws -> Override {
        let source = "command line '\(argument)'"
        guard let equals = argument.firstIndex(of: "=") else {
            throw ConfigError(source: source, key: nil, message: "expected key.path=value (e.g. sampler.steps=4 or optimizer.lr=0.01,0.1)")
        }
        let key = argument[..<equals].trimmingCharacters(in: .whitespaces)
        let text = argument[argument.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        let declared = try schema.key(key, source: source)
        if text.hasPrefix("range(") && text.hasSuffix(")") {
            let parts = text.dropFirst(6).dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let items: [ConfigValue] = try parts.map { part in
                if let i = Int(part) { return .int(i) }
                if let d = Double(part) { return .double(d) }
                throw ConfigError(source: source, key: key, message: "range arguments must be numbers, got '\(part)'")
            }
            guard (2...3).contains(items.count) else { throw ConfigError(source: source, key: key, message: "range expects (start, stop[, step])") }
            return .sweep(key: key, values: try ExperimentFile.rangeValues(items, key: key, schema: schema, source: source))
        }
        let isList: Bool
        switch declared.type { case .intList, .doubleList: isList = true; default: isList = false }
        let pieces = splitTopLevel(text)
        if pieces.count > 1 {
            return .sweep(key: key, values: try pieces.map { try schema.parse(key, $0, source: source) })
        }
        if isList && !text.hasPrefix("[") { return .set(key: key, value: try schema.parse(key, "[" + text + "]", source: source)) }
        return .set(key: key, value: try schema.parse(key, text, source: source))
    }

    /// Splits on commas outside brackets, so `[1,2],[4]` is two list values.
    static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = [], current = "", depth = 0
        for c in text {
            if c == "[" { depth += 1 } else if c == "]" { depth -= 1 }
            if c == ",", depth == 0 { parts.append(current); current = "" } else { current.append(c) }
        }
        parts.append(current)
        return parts.map { $0.trimmingCharacters(in: .whitespaces) }
    }
}

/// The jobs of a sweep (or the single job of a run) with their resolved configs.
public struct SweepPlan {
    public let experiment: ExperimentFile
    public let configs: [ResolvedConfig]

    /// Resolves `experiment` with `overrides`; with `includeSweep` false the file's `[sweep]` is ignored
    /// (used by `train`), and a sweep override is an error.
    public init(experiment: ExperimentFile, overrides: [Override], includeSweep: Bool, schema: ConfigSchema = .standard) throws {
        self.experiment = experiment
        var base = ResolvedConfig(file: experiment, schema: schema)
        var spec = includeSweep ? experiment.sweep : SweepSpec()
        var commandLineAxes: [(key: String, values: [ConfigValue])] = []
        for override in overrides {
            // A command-line value replaces any file axis over the same key.
            spec.grid.removeAll { $0.key == override.key }
            spec.zipped.removeAll { $0.key == override.key }
            spec.random.removeAll { $0.key == override.key }
            if override.key == "seeds.base" { spec.seeds = [] }
            switch override {
            case .set(let key, let value):
                base.set(key, value, source: "command line")
            case .sweep(let key, let values):
                guard includeSweep else {
                    throw ConfigError(source: "command line", key: key, message: "'\(values.map(\.description).joined(separator: ","))' is a sweep; use `diffinst sweep` for several runs")
                }
                commandLineAxes.append((key, values))
            }
        }
        if !spec.zipped.isEmpty, let first = spec.zipped.first, spec.zipped.contains(where: { $0.values.count != first.values.count }) {
            throw ConfigError(source: experiment.path, key: "sweep.zip", message: "zipped axes lost their partner to a command-line override; override them all or none")
        }
        let grid = spec.grid + commandLineAxes
        // Cartesian product of grid axes (first axis outermost).
        var rows: [[(String, ConfigValue)]] = [[]]
        for axis in grid { rows = rows.flatMap { row in axis.values.map { row + [(axis.key, $0)] } } }
        if let length = spec.zipped.first?.values.count {
            rows = rows.flatMap { row in (0..<length).map { i in row + spec.zipped.map { ($0.key, $0.values[i]) } } }
        }
        if spec.randomCount > 0 {
            var generator = SplitMix64(seed: UInt64(spec.randomSeed))
            let draws = (0..<spec.randomCount).map { _ in spec.random.map { ($0.key, SweepPlan.draw($0.spec, &generator)) } }
            rows = rows.flatMap { row in draws.map { row + $0 } }
        }
        if !spec.seeds.isEmpty { rows = rows.flatMap { row in spec.seeds.map { row + [("seeds.base", ConfigValue.int($0))] } } }
        var configs: [ResolvedConfig] = []
        var seen = Set<String>()
        for row in rows {
            var config = base
            for (key, value) in row {
                let validated = try schema.validate(key, value, source: "sweep of \(experiment.path)")
                config.set(key, validated, source: "sweep")
            }
            // Identical configurations (e.g. a random draw repeating a value) would be the same job.
            if seen.insert(config.hash).inserted { configs.append(config) }
        }
        self.configs = configs
    }

    static func draw(_ spec: AxisSpec, _ generator: inout SplitMix64) -> ConfigValue {
        let u = generator.nextUnit()
        switch spec {
        case .values(let values), .choice(let values): return values[min(values.count - 1, Int(u * Double(values.count)))]
        case .uniform(let low, let high): return .double(low + u * (high - low))
        case .logUniform(let low, let high): return .double(exp(log(low) + u * (log(high) - log(low))))
        case .intUniform(let low, let high): return .int(low + min(high - low, Int(u * Double(high - low + 1))))
        }
    }
}
