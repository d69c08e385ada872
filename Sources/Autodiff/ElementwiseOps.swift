// Differentiable element-wise arithmetic and math on `Variable` (numpy broadcasting). Each
// gradient of a broadcast input is summed back to that input's shape (`sumToShape`).
import Foundation
import Tensor

extension Variable {
    public static func + (a: Variable, b: Variable) -> Variable {
        let (sa, sb) = (a.shape, b.shape)
        return record(a.value + b.value, op: "add", inputs: [a, b]) { g in [g.sumToShape(sa), g.sumToShape(sb)] }
    }
    public static func - (a: Variable, b: Variable) -> Variable {
        let (sa, sb) = (a.shape, b.shape)
        return record(a.value - b.value, op: "sub", inputs: [a, b]) { g in [g.sumToShape(sa), (-g).sumToShape(sb)] }
    }
    public static func * (a: Variable, b: Variable) -> Variable {
        let (x, y) = (a.value, b.value)
        let (needA, needB) = (a.requiresGrad, b.requiresGrad)
        return record(x * y, op: "mul", inputs: [a, b]) { g in
            [needA ? (g * y).sumToShape(x.shape) : nil, needB ? (g * x).sumToShape(y.shape) : nil]
        }
    }
    public static func / (a: Variable, b: Variable) -> Variable {
        let (x, y) = (a.value, b.value)
        let (needA, needB) = (a.requiresGrad, b.requiresGrad)
        let out = x / y
        return record(out, op: "div", inputs: [a, b]) { g in
            [needA ? (g / y).sumToShape(x.shape) : nil, needB ? (-(g * out) / y).sumToShape(y.shape) : nil]
        }
    }
    public static prefix func - (a: Variable) -> Variable { record(-a.value, op: "neg", inputs: [a]) { g in [-g] } }

    public static func + (a: Variable, s: Float) -> Variable { record(a.value + s, op: "addScalar", inputs: [a]) { g in [g] } }
    public static func - (a: Variable, s: Float) -> Variable { record(a.value - s, op: "subScalar", inputs: [a]) { g in [g] } }
    public static func * (a: Variable, s: Float) -> Variable { record(a.value * s, op: "mulScalar", inputs: [a]) { g in [g * s] } }
    public static func / (a: Variable, s: Float) -> Variable { a * (1 / s) }
    public static func + (s: Float, a: Variable) -> Variable { a + s }
    public static func - (s: Float, a: Variable) -> Variable { record(s - a.value, op: "rsubScalar", inputs: [a]) { g in [-g] } }
    public static func * (s: Float, a: Variable) -> Variable { a * s }
    public static func / (s: Float, a: Variable) -> Variable {
        let out = s / a.value
        let x = a.value
        return record(out, op: "rdivScalar", inputs: [a]) { g in [g.zipMap(out, x) { g, o, x in -g * o / x }] }
    }

    public func exp() -> Variable {
        let out = value.exp()
        return Variable.record(out, op: "exp", inputs: [self]) { g in [g * out] }
    }
    public func log() -> Variable {
        let x = value
        return Variable.record(x.log(), op: "log", inputs: [self]) { g in [g / x] }
    }
    public func sqrt() -> Variable {
        let out = value.sqrt()
        return Variable.record(out, op: "sqrt", inputs: [self]) { g in [g.zipMap(out) { g, o in 0.5 * g / o }] }
    }
    /// xᵖ for a constant p.
    public func pow(_ p: Float) -> Variable {
        let x = value
        return Variable.record(x.pow(p), op: "pow", inputs: [self]) { g in
            [p == 2 ? g * x * 2 : g.zipMap(x, cost: 16) { g, x in g * p * Foundation.pow(x, p - 1) }]
        }
    }
    public func abs() -> Variable {
        let x = value
        return Variable.record(x.abs(), op: "abs", inputs: [self]) { g in [g * x.sign()] }
    }
    /// Clamps to [min, max]; the gradient passes where min ≤ x ≤ max (PyTorch convention).
    public func clamped(min lo: Float = -.infinity, max hi: Float = .infinity) -> Variable {
        let x = value
        return Variable.record(x.clamped(min: lo, max: hi), op: "clamp", inputs: [self]) { g in
            [g.zipMap(x) { g, x in x >= lo && x <= hi ? g : 0 }]
        }
    }
}

/// Element-wise minimum; on ties the gradient goes to `a`.
public func minimum(_ a: Variable, _ b: Variable) -> Variable {
    let (x, y) = (a.value, b.value)
    let takeA = x.lessEqual(y)
    return Variable.record(minimum(x, y), op: "minimum", inputs: [a, b]) { g in
        [(g * takeA).sumToShape(x.shape), (g * (1 - takeA)).sumToShape(y.shape)]
    }
}

/// Element-wise maximum; on ties the gradient goes to `a`.
public func maximum(_ a: Variable, _ b: Variable) -> Variable {
    let (x, y) = (a.value, b.value)
    let takeA = x.greaterEqual(y)
    return Variable.record(maximum(x, y), op: "maximum", inputs: [a, b]) { g in
        [(g * takeA).sumToShape(x.shape), (g * (1 - takeA)).sumToShape(y.shape)]
    }
}

/// `mask ? a : b` (mask 0/1, not differentiated; all broadcast).
public func select(_ mask: Tensor, _ a: Variable, _ b: Variable) -> Variable {
    let (sa, sb) = (a.shape, b.shape)
    return Variable.record(select(mask, a.value, b.value), op: "select", inputs: [a, b]) { g in
        [(g * mask).sumToShape(sa), (g * (1 - mask)).sumToShape(sb)]
    }
}
