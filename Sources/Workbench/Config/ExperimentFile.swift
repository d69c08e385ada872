// Loading an experiment file (Experiments/<name>.toml): `extends` chains, flattening of TOML tables
// into dotted keys, validation of every key and value against the schema (errors name the file),
// and the raw `[sweep]` section, which SweepPlan expands.
import Foundation
import TOMLKit

/// A value as written in a file, before schema validation.
indirect enum RawNode {
    case value(ConfigValue)
    case table([(String, RawNode)])
}

/// One axis specification of a sweep as written (a list, a range, or a random distribution).
public enum AxisSpec: Equatable {
    case values([ConfigValue])
    case uniform(Double, Double)
    case logUniform(Double, Double)
    case intUniform(Int, Int)
    case choice([ConfigValue])
}

/// The `[sweep]` section of an experiment file.
public struct SweepSpec {
    /// Cartesian axes in file order.
    public var grid: [(key: String, values: [ConfigValue])] = []
    /// Axes iterated together (equal lengths).
    public var zipped: [(key: String, values: [ConfigValue])] = []
    /// Random draws: `count` configurations with independent draws per key, from `seed`.
    public var random: [(key: String, spec: AxisSpec)] = []
    public var randomCount = 0
    public var randomSeed = 0
    /// Values of `seeds.base`, the innermost axis (seed replicates).
    public var seeds: [Int] = []
    public init() {}
    public var isEmpty: Bool { grid.isEmpty && zipped.isEmpty && random.isEmpty && seeds.isEmpty }
}

/// A loaded, validated experiment file.
public struct ExperimentFile {
    /// File name without extension; used as the results folder name.
    public let name: String
    public let path: String
    /// Explicit assignments, in the order they were read, with the file each came from (after `extends`).
    public var assignments: [String: (value: ConfigValue, source: String)] = [:]
    public var sweep = SweepSpec()

    /// Finds `Experiments/<name>.toml` (or takes a path) relative to `root`.
    public static func locate(_ nameOrPath: String, root: String) throws -> String {
        let candidates = nameOrPath.hasSuffix(".toml")
            ? [nameOrPath, root + "/" + nameOrPath]
            : [root + "/Experiments/" + nameOrPath + ".toml", nameOrPath + ".toml", root + "/" + nameOrPath + ".toml"]
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate) { return candidate }
        let available = ((try? FileManager.default.contentsOfDirectory(atPath: root + "/Experiments")) ?? [])
            .filter { $0.hasSuffix(".toml") }.map { String($0.dropLast(5)) }.sorted()
        let close = closestMatches(to: nameOrPath, in: available)
        throw ConfigError(source: nameOrPath, key: nil, message: "no such experiment file (looked in \(root)/Experiments)"
            + (close.isEmpty ? "; available: \(available.joined(separator: ", "))" : "; did you mean \(close.joined(separator: " or "))?"))
    }

    /// Loads and validates `path`, following `extends`.
    public init(path: String, schema: ConfigSchema = .standard) throws {
        self.path = path
        name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        try load(path, schema: schema, chain: [], isTop: true)
    }

    private mutating func load(_ path: String, schema: ConfigSchema, chain: [String], isTop: Bool) throws {
        let canonical = URL(fileURLWithPath: path).standardizedFileURL.path
        if chain.contains(canonical) {
            throw ConfigError(source: path, key: "extends", message: "circular extends: " + (chain + [canonical]).joined(separator: " -> "))
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigError(source: path, key: nil, message: "cannot read file")
        }
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch let error as TOMLParseError {
            throw ConfigError(source: path, key: nil, message: "TOML syntax error at line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")
        }
        let root = ExperimentFile.convert(table)
        guard case .table(let entries) = root else { return }
        if let extends = entries.first(where: { $0.0 == "extends" })?.1 {
            guard case .value(.string(let parent)) = extends else {
                throw ConfigError(source: path, key: "extends", message: "must be a file name string")
            }
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            let parentPath = parent.hasPrefix("/") ? parent : directory + "/" + (parent.hasSuffix(".toml") ? parent : parent + ".toml")
            guard FileManager.default.fileExists(atPath: parentPath) else {
                throw ConfigError(source: path, key: "extends", message: "no such file \(parentPath)")
            }
            try load(parentPath, schema: schema, chain: chain + [canonical], isTop: false)
        }
        for (key, node) in entries where key != "extends" {
            if key == "sweep" {
                // Only the top file's sweep runs; a parent's sweep belongs to the parent's own study.
                if isTop { sweep = try ExperimentFile.parseSweep(node, schema: schema, source: path) }
                continue
            }
            for (dotted, value) in ExperimentFile.flatten(node, prefix: key) {
                assignments[dotted] = (try schema.validate(dotted, value, source: path), path)
            }
        }
    }

    static func convert(_ value: TOMLValueConvertible) -> RawNode {
        switch value.type {
        case .table:
            let table = value.table!
            return .table(table.keys.map { ($0, convert(table[$0]!)) })
        case .array:
            return .value(.list(value.array!.map { element -> ConfigValue in
                if case .value(let v) = convert(element) { return v }
                return .string("<table>")
            }))
        case .int: return .value(.int(value.int!))
        case .double: return .value(.double(value.double!))
        case .bool: return .value(.bool(value.bool!))
        case .string: return .value(.string(value.string!))
        default: return .value(.string(value.debugDescription))
        }
    }

    static func flatten(_ node: RawNode, prefix: String) -> [(String, ConfigValue)] {
        switch node {
        case .value(let v): return [(prefix, v)]
        case .table(let entries): return entries.flatMap { flatten($0.1, prefix: prefix + "." + $0.0) }
        }
    }

    static func parseSweep(_ node: RawNode, schema: ConfigSchema, source: String) throws -> SweepSpec {
        guard case .table(let entries) = node else { throw ConfigError(source: source, key: "sweep", message: "must be a table") }
        var spec = SweepSpec()
        for (name, section) in entries {
            switch name {
            case "seeds":
                guard case .value(.list(let items)) = section, items.allSatisfy({ $0.intValue != nil }), !items.isEmpty else {
                    throw ConfigError(source: source, key: "sweep.seeds", message: "must be a non-empty list of integers, e.g. [0, 1, 2]")
                }
                spec.seeds = items.map { $0.intValue! }
            case "grid", "zip":
                for (key, axis) in try axes(section, schema: schema, source: source, sectionName: "sweep.\(name)") {
                    guard case .values(let values) = axis else {
                        throw ConfigError(source: source, key: "sweep.\(name).\(key)", message: "needs a list or {range = [start, stop, step]}")
                    }
                    if name == "grid" { spec.grid.append((key, values)) } else { spec.zipped.append((key, values)) }
                }
                if let first = spec.zipped.first, let bad = spec.zipped.first(where: { $0.values.count != first.values.count }) {
                    throw ConfigError(source: source, key: "sweep.zip.\(bad.key)", message: "has \(bad.values.count) values but sweep.zip.\(first.key) has \(first.values.count); zipped axes need equal lengths")
                }
            case "random":
                guard case .table(let items) = section else { throw ConfigError(source: source, key: "sweep.random", message: "must be a table") }
                var rest: [(String, RawNode)] = []
                for (key, item) in items {
                    if key == "count", case .value(.int(let n)) = item, n > 0 { spec.randomCount = n }
                    else if key == "seed", case .value(.int(let n)) = item { spec.randomSeed = n }
                    else if key == "count" || key == "seed" { throw ConfigError(source: source, key: "sweep.random.\(key)", message: "must be a positive integer") }
                    else { rest.append((key, item)) }
                }
                if spec.randomCount == 0 { throw ConfigError(source: source, key: "sweep.random.count", message: "is required (how many random configurations)") }
                spec.random = try axes(.table(rest), schema: schema, source: source, sectionName: "sweep.random").map { ($0.0, $0.1) }
            default:
                let close = closestMatches(to: name, in: ["grid", "zip", "random", "seeds"])
                throw ConfigError(source: source, key: "sweep.\(name)", message: "unknown sweep section; expected grid, zip, random or seeds" + (close.isEmpty ? "" : "; did you mean '\(close[0])'?"))
            }
        }
        return spec
    }

    /// Axes of a sweep section: keys may be quoted dotted paths or nested tables; values are lists or spec tables.
    static func axes(_ node: RawNode, schema: ConfigSchema, source: String, sectionName: String) throws -> [(String, AxisSpec)] {
        guard case .table(let entries) = node else { throw ConfigError(source: source, key: sectionName, message: "must be a table") }
        var result: [(String, AxisSpec)] = []
        func visit(_ key: String, _ node: RawNode) throws {
            switch node {
            case .value(.list(let items)):
                let values = try items.map { try schema.validate(key, $0, source: source) }
                guard !values.isEmpty else { throw ConfigError(source: source, key: "\(sectionName).\(key)", message: "empty list") }
                result.append((key, .values(values)))
            case .value(let v):
                throw ConfigError(source: source, key: "\(sectionName).\(key)", message: "expected a list of values to sweep, got \(v)")
            case .table(let items):
                let names = items.map(\.0)
                if names.count == 1, ["range", "uniform", "log_uniform", "int_uniform", "choice"].contains(names[0]) {
                    _ = try schema.key(key, source: source)
                    result.append((key, try axisSpec(names[0], items[0].1, key: key, schema: schema, source: source)))
                } else {
                    for (child, value) in items { try visit(key + "." + child, value) }
                }
            }
        }
        for (key, item) in entries { try visit(key, item) }
        return result
    }

    static func axisSpec(_ kind: String, _ node: RawNode, key: String, schema: ConfigSchema, source: String) throws -> AxisSpec {
        guard case .value(.list(let items)) = node else { throw ConfigError(source: source, key: key, message: "\(kind) needs a list") }
        let numbers = items.compactMap(\.doubleValue)
        func need(_ n: Int, _ form: String) throws {
            guard numbers.count == n, items.count == n else { throw ConfigError(source: source, key: key, message: "\(kind) expects \(form)") }
        }
        switch kind {
        case "range":
            guard numbers.count == items.count, (2...3).contains(numbers.count) else {
                throw ConfigError(source: source, key: key, message: "range expects [start, stop] or [start, stop, step] (stop excluded)")
            }
            return .values(try rangeValues(items, key: key, schema: schema, source: source))
        case "uniform": try need(2, "[low, high]"); return .uniform(numbers[0], numbers[1])
        case "log_uniform":
            try need(2, "[low, high] with 0 < low < high")
            guard numbers[0] > 0, numbers[1] > numbers[0] else { throw ConfigError(source: source, key: key, message: "log_uniform expects 0 < low < high") }
            return .logUniform(numbers[0], numbers[1])
        case "int_uniform":
            guard items.count == 2, let low = items[0].intValue, let high = items[1].intValue, low <= high else {
                throw ConfigError(source: source, key: key, message: "int_uniform expects [low, high] integers (both included)")
            }
            return .intUniform(low, high)
        default:
            return .choice(try items.map { try schema.validate(key, $0, source: source) })
        }
    }

    /// Values of `range(start, stop[, step])`, stop excluded; integers stay integers.
    static func rangeValues(_ items: [ConfigValue], key: String, schema: ConfigSchema, source: String) throws -> [ConfigValue] {
        let integral = items.allSatisfy { $0.intValue != nil }
        let start = items[0].doubleValue!, stop = items[1].doubleValue!
        let step = items.count == 3 ? items[2].doubleValue! : 1
        guard step != 0, (stop - start) / step > 0, (stop - start) / step <= 10_000 else {
            throw ConfigError(source: source, key: key, message: "range(\(items.map(\.description).joined(separator: ", "))) is empty or too long")
        }
        var values: [ConfigValue] = []
        var i = 0
        while true {
            let x = start + Double(i) * step
            if step > 0 ? x >= stop - 1e-12 * abs(stop) : x <= stop + 1e-12 * abs(stop) { break }
            values.append(integral ? .int(Int(x)) : .double(x))
            i += 1
        }
        return try values.map { try schema.validate(key, $0, source: source) }
    }
}
