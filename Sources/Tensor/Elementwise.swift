// Element-wise arithmetic and math on `Tensor` (numpy broadcasting), plus comparisons and `select`.
// Each op is a one-line closure specialised into the loops of Broadcast.swift.
import Foundation

extension Tensor {
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 0) }
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 1) }
    public static func zeros(like t: Tensor) -> Tensor { Tensor(shape: t.shape, repeating: 0) }
    public static func ones(like t: Tensor) -> Tensor { Tensor(shape: t.shape, repeating: 1) }
    /// `[start, start+1, …]` as Float, shape `[count]`.
    public static func arange(_ count: Int, start: Float = 0) -> Tensor {
        Tensor(shape: [count]) { p in for i in 0..<count { p[i] = start + Float(i) } }
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor { binary(a, b) { $0 + $1 } }
    public static func - (a: Tensor, b: Tensor) -> Tensor { binary(a, b) { $0 - $1 } }
    public static func * (a: Tensor, b: Tensor) -> Tensor { binary(a, b) { $0 * $1 } }
    public static func / (a: Tensor, b: Tensor) -> Tensor { binary(a, b) { $0 / $1 } }
    public static prefix func - (a: Tensor) -> Tensor { a.map { -$0 } }

    public static func + (a: Tensor, s: Float) -> Tensor { a.map { $0 + s } }
    public static func - (a: Tensor, s: Float) -> Tensor { a.map { $0 - s } }
    public static func * (a: Tensor, s: Float) -> Tensor { a.map { $0 * s } }
    public static func / (a: Tensor, s: Float) -> Tensor { a.map { $0 / s } }
    public static func + (s: Float, a: Tensor) -> Tensor { a.map { s + $0 } }
    public static func - (s: Float, a: Tensor) -> Tensor { a.map { s - $0 } }
    public static func * (s: Float, a: Tensor) -> Tensor { a.map { s * $0 } }
    public static func / (s: Float, a: Tensor) -> Tensor { a.map { s / $0 } }

    /// In-place `self += other` (same shape), used to accumulate gradients without allocating.
    public mutating func add(_ other: Tensor, scaledBy alpha: Float = 1) {
        precondition(other.count == count, "add: \(other.shape) into \(shape)")
        let n = count
        other.withUnsafePointer { src in
            withUnsafeMutablePointer { dst in
                Parallel.forEachChunk(n) { r in for i in r { dst[i] += alpha * src[i] } }
            }
        }
    }

    public func exp() -> Tensor { map(cost: 2) { fastExp($0) } }
    public func log() -> Tensor { map(cost: 8) { Foundation.log($0) } }
    public func sqrt() -> Tensor { map(cost: 2) { $0.squareRoot() } }
    public func abs() -> Tensor { map { Swift.abs($0) } }
    public func squared() -> Tensor { map { $0 * $0 } }
    public func sign() -> Tensor { map { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) } }
    /// `x^p` with a constant exponent; integer-valued small `p` avoid `powf`.
    public func pow(_ p: Float) -> Tensor {
        switch p {
        case 1: return self
        case 2: return map { $0 * $0 }
        case 3: return map { $0 * $0 * $0 }
        case 0.5: return map { $0.squareRoot() }
        case -1: return map { 1 / $0 }
        default: return map(cost: 16) { Foundation.pow($0, p) }
        }
    }
    public func clamped(min lo: Float = -.infinity, max hi: Float = .infinity) -> Tensor {
        map { Swift.min(Swift.max($0, lo), hi) }
    }

    /// 1 where `self > other`, else 0 (broadcasting).
    public func greater(_ other: Tensor) -> Tensor { Tensor.binary(self, other) { $0 > $1 ? 1 : 0 } }
    public func greaterEqual(_ other: Tensor) -> Tensor { Tensor.binary(self, other) { $0 >= $1 ? 1 : 0 } }
    public func lessEqual(_ other: Tensor) -> Tensor { Tensor.binary(self, other) { $0 <= $1 ? 1 : 0 } }
    public func less(_ other: Tensor) -> Tensor { Tensor.binary(self, other) { $0 < $1 ? 1 : 0 } }
    public func equal(_ other: Tensor) -> Tensor { Tensor.binary(self, other) { $0 == $1 ? 1 : 0 } }
    public func greater(_ s: Float) -> Tensor { map { $0 > s ? 1 : 0 } }
    public func less(_ s: Float) -> Tensor { map { $0 < s ? 1 : 0 } }
}

public func minimum(_ a: Tensor, _ b: Tensor) -> Tensor { Tensor.binary(a, b) { Swift.min($0, $1) } }
public func maximum(_ a: Tensor, _ b: Tensor) -> Tensor { Tensor.binary(a, b) { Swift.max($0, $1) } }

/// `mask ? a : b` element-wise (mask holds 0/1; all three broadcast).
public func select(_ mask: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
    let shape = Broadcast.shape(Broadcast.shape(mask.shape, a.shape), b.shape)
    let m = mask.expanded(to: shape), x = a.expanded(to: shape), y = b.expanded(to: shape)
    return Tensor(shape: shape) { out in
        m.withUnsafePointer { pm in x.withUnsafePointer { px in y.withUnsafePointer { py in
            Parallel.forEachChunk(m.count) { r in for i in r { out[i] = pm[i] != 0 ? px[i] : py[i] } }
        } } }
    }
}
