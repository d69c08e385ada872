// `Module`: the base class of every layer. Parameters, buffers and child modules are discovered
// by reflection over stored properties, giving stable dotted names ("stages.0.attention.
// inProjection.weight") that become checkpoint and HDF5 names.
@_exported import Tensor
@_exported import Autodiff

/// Non-trainable state saved with the model (e.g. BatchNorm running statistics).
public final class Buffer {
    public var value: Tensor
    public init(_ value: Tensor) { self.value = value }
}

public enum ModuleStateError: Error, CustomStringConvertible {
    case missing(String)
    case unexpected([String])
    case shapeMismatch(name: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case .missing(let name): return "state has no tensor named \"\(name)\""
        case .unexpected(let names): return "state has tensors the model does not: \(names.sorted().joined(separator: ", "))"
        case .shapeMismatch(let name, let expected, let found): return "\"\(name)\": model expects shape \(expected), state has \(found)"
        }
    }
}

open class Module {
    /// Training mode (true) or evaluation mode; set recursively by `train()` / `eval()`.
    public var isTraining = true
    /// A frozen module stays in evaluation mode whatever `train()` says (its norms use running
    /// statistics) and its parameters are left out of `trainableNamedParameters()`. Set with `freeze()`.
    public private(set) var isFrozen = false

    public init() {}

    /// Stored properties of this object in declaration order, base classes first.
    private func storedProperties() -> [(String, Any)] {
        var mirrors: [Mirror] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        while let m = mirror { mirrors.append(m); mirror = m.superclassMirror }
        return mirrors.reversed().flatMap { m in m.children.compactMap { child in child.label.map { ($0, child.value) } } }
    }

    /// Walks parameters, buffers and sub-modules, calling `visit` with the dotted name of each.
    private func walk(prefix: String, seen: inout Set<ObjectIdentifier>, _ visit: (String, AnyObject) -> Void) {
        for (label, value) in storedProperties() {
            walkValue(value, name: prefix + label, seen: &seen, visit)
        }
    }

    private func walkValue(_ value: Any, name: String, seen: inout Set<ObjectIdentifier>, _ visit: (String, AnyObject) -> Void) {
        if let p = value as? Parameter {
            if seen.insert(ObjectIdentifier(p)).inserted { visit(name, p) }
        } else if let b = value as? Buffer {
            if seen.insert(ObjectIdentifier(b)).inserted { visit(name, b) }
        } else if let m = value as? Module {
            if seen.insert(ObjectIdentifier(m)).inserted { visit(name, m); m.walk(prefix: name + ".", seen: &seen, visit) }
        } else if let array = value as? [Any], let first = array.first,
                  first is Parameter || first is Buffer || first is Module || first is [Any] {
            for (i, element) in array.enumerated() { walkValue(element, name: "\(name).\(i)", seen: &seen, visit) }
        }
    }

    private func collect<T>(_ type: T.Type) -> [(String, T)] {
        var seen = Set<ObjectIdentifier>([ObjectIdentifier(self)])
        var out: [(String, T)] = []
        walk(prefix: "", seen: &seen) { name, object in if let t = object as? T { out.append((name, t)) } }
        return out
    }

    /// Every trainable parameter with its stable dotted name, in declaration order (shared ones once).
    public func namedParameters() -> [(String, Parameter)] { collect(Parameter.self) }
    /// Every buffer (running statistics…) with its dotted name.
    public func namedBuffers() -> [(String, Buffer)] { collect(Buffer.self) }
    /// Every descendant module with its dotted name.
    public func namedModules() -> [(String, Module)] { collect(Module.self) }
    public var parameters: [Parameter] { namedParameters().map(\.1) }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// Sets training mode on this module and every descendant (frozen ones stay in evaluation mode).
    public func train(_ on: Bool = true) {
        isTraining = on && !isFrozen
        for (_, m) in namedModules() { m.isTraining = on && !m.isFrozen }
    }

    /// Freezes this module and every descendant (see `isFrozen`). The caller also stops gradients at
    /// the frozen part's output (`detached()`), so backward does not run through it.
    public func freeze() {
        isFrozen = true
        isTraining = false
        for (_, m) in namedModules() { m.isFrozen = true; m.isTraining = false }
    }

    /// The parameters an optimizer should update: `namedParameters()` without those of frozen modules.
    public func trainableNamedParameters() -> [(String, Parameter)] {
        if isFrozen { return [] }
        let frozen = namedModules().filter { $0.1.isFrozen }.map { $0.0 + "." }
        return namedParameters().filter { name, _ in !frozen.contains { name.hasPrefix($0) } }
    }
    public func eval() { train(false) }
    public func zeroGrad() { for p in parameters { p.grad = nil } }

    /// Parameters and buffers by name (copies share storage; tensors are copy-on-write).
    public func stateDict() -> [String: Tensor] {
        var state: [String: Tensor] = [:]
        for (name, p) in namedParameters() { state[name] = p.value }
        for (name, b) in namedBuffers() { state[name] = b.value }
        return state
    }

    /// Loads parameters and buffers by name, checking shapes. With `strict`, missing or extra names are errors.
    public func loadState(_ state: [String: Tensor], strict: Bool = true) throws {
        var targets: [(String, [Int], (Tensor) -> Void)] = []
        for (name, p) in namedParameters() { targets.append((name, p.value.shape, { p.value = $0 })) }
        for (name, b) in namedBuffers() { targets.append((name, b.value.shape, { b.value = $0 })) }
        for (name, shape, _) in targets {
            guard let t = state[name] else { if strict { throw ModuleStateError.missing(name) }; continue }
            if t.shape != shape { throw ModuleStateError.shapeMismatch(name: name, expected: shape, found: t.shape) }
        }
        if strict {
            let known = Set(targets.map(\.0))
            let extra = state.keys.filter { !known.contains($0) }
            if !extra.isEmpty { throw ModuleStateError.unexpected(extra) }
        }
        for (name, _, assign) in targets { if let t = state[name] { assign(t) } }
    }
}
