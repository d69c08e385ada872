// Element-wise arithmetic and math on `Tensor` (numpy broadcasting), plus comparisons and `select`.
// The operations are types (bottom of this file) that `Tensor.binary` / `mapElements` (Broadcast.swift)
// are specialised for; the rarely used ones stay one-line closures for `map`.
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

    public static func + (a: Tensor, b: Tensor) -> Tensor { binary(a, b, Add.self) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { binary(a, b, Subtract.self) }
    public static func * (a: Tensor, b: Tensor) -> Tensor { binary(a, b, Multiply.self) }
    public static func / (a: Tensor, b: Tensor) -> Tensor { binary(a, b, Divide.self) }
    public static prefix func - (a: Tensor) -> Tensor { a.mapElements(Negate()) }

    public static func + (a: Tensor, s: Float) -> Tensor { a.mapElements(AddScalar(s: s)) }
    public static func - (a: Tensor, s: Float) -> Tensor { a.mapElements(AddScalar(s: -s)) }
    public static func * (a: Tensor, s: Float) -> Tensor { a.mapElements(MultiplyScalar(s: s)) }
    public static func / (a: Tensor, s: Float) -> Tensor { a.mapElements(DivideByScalar(s: s)) }
    public static func + (s: Float, a: Tensor) -> Tensor { a.mapElements(AddScalar(s: s)) }
    public static func - (s: Float, a: Tensor) -> Tensor { a.mapElements(SubtractFromScalar(s: s)) }
    public static func * (s: Float, a: Tensor) -> Tensor { a.mapElements(MultiplyScalar(s: s)) }
    public static func / (s: Float, a: Tensor) -> Tensor { a.mapElements(DivideScalar(s: s)) }

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

    public func exp() -> Tensor { mapElements(Exp(), cost: 2) }
    public func log() -> Tensor { map(cost: 8) { Foundation.log($0) } }
    public func sqrt() -> Tensor { mapElements(SquareRoot(), cost: 2) }
    public func abs() -> Tensor { mapElements(Absolute()) }
    public func squared() -> Tensor { mapElements(Square()) }
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
        mapElements(Clamp(lo: lo, hi: hi))
    }

    /// 1 where `self > other`, else 0 (broadcasting).
    public func greater(_ other: Tensor) -> Tensor { Tensor.binary(self, other, Greater.self) }
    public func greaterEqual(_ other: Tensor) -> Tensor { Tensor.binary(self, other, GreaterEqual.self) }
    public func lessEqual(_ other: Tensor) -> Tensor { Tensor.binary(self, other, LessEqual.self) }
    public func less(_ other: Tensor) -> Tensor { Tensor.binary(self, other, Less.self) }
    public func equal(_ other: Tensor) -> Tensor { Tensor.binary(self, other, Equal.self) }
    public func greater(_ s: Float) -> Tensor { map { $0 > s ? 1 : 0 } }
    public func less(_ s: Float) -> Tensor { map { $0 < s ? 1 : 0 } }
}

public func minimum(_ a: Tensor, _ b: Tensor) -> Tensor { Tensor.binary(a, b, Minimum.self) }
public func maximum(_ a: Tensor, _ b: Tensor) -> Tensor { Tensor.binary(a, b, Maximum.self) }

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

/// A binary element-wise operation as a type, so that `Tensor.binary` is specialised (and vectorised) for it.
public protocol ElementwiseBinaryOperation { static func apply(_ a: Float, _ b: Float) -> Float }
enum Add: ElementwiseBinaryOperation { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a + b } }
enum Subtract: ElementwiseBinaryOperation { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a - b } }
enum Multiply: ElementwiseBinaryOperation { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a * b } }
enum Divide: ElementwiseBinaryOperation { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a / b } }
enum Minimum: ElementwiseBinaryOperation { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { Swift.min(a, b) } }
enum Maximum: ElementwiseBinaryOperation { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { Swift.max(a, b) } }
enum Greater: ElementwiseBinaryOperation { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a > b ? 1 : 0 } }
enum GreaterEqual: ElementwiseBinaryOperation { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a >= b ? 1 : 0 } }
enum Less: ElementwiseBinaryOperation { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a < b ? 1 : 0 } }
enum LessEqual: ElementwiseBinaryOperation { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a <= b ? 1 : 0 } }
enum Equal: ElementwiseBinaryOperation { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a == b ? 1 : 0 } }
/// max(a + b, 0): the residual add fused with its ReLU.
public enum AddReLU: ElementwiseBinaryOperation { @inline(__always) public static func apply(_ a: Float, _ b: Float) -> Float { Swift.max(a + b, 0) } }
/// b where a > 0, else 0: a ReLU's gradient gate (a the ReLU's input or output, b the gradient).
enum ReLUGate: ElementwiseBinaryOperation { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a > 0 ? b : 0 } }
/// b·a(1 − a): the sigmoid's gradient from its output a.
enum SigmoidGate: ElementwiseBinaryOperation { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { b * a * (1 - a) } }

/// A unary element-wise operation as a value type (parameters as stored properties), for the same reason.
protocol ElementwiseUnaryOperation { func apply(_ x: Float) -> Float }
struct Negate: ElementwiseUnaryOperation { @inline(__always) func apply(_ x: Float) -> Float { -x } }
struct AddScalar: ElementwiseUnaryOperation { let s: Float; @inline(__always) func apply(_ x: Float) -> Float { x + s } }
struct MultiplyScalar: ElementwiseUnaryOperation { let s: Float; @inline(__always) func apply(_ x: Float) -> Float { x * s } }
struct DivideByScalar: ElementwiseUnaryOperation { let s: Float; @inline(__always) func apply(_ x: Float) -> Float { x / s } }
struct SubtractFromScalar: ElementwiseUnaryOperation { let s: Float; @inline(__always) func apply(_ x: Float) -> Float { s - x } }
struct DivideScalar: ElementwiseUnaryOperation { let s: Float; @inline(__always) func apply(_ x: Float) -> Float { s / x } }
struct Exp: ElementwiseUnaryOperation { @inline(__always) func apply(_ x: Float) -> Float { fastExp(x) } }
struct SquareRoot: ElementwiseUnaryOperation { @inline(__always) func apply(_ x: Float) -> Float { x.squareRoot() } }
struct Absolute: ElementwiseUnaryOperation { @inline(__always) func apply(_ x: Float) -> Float { Swift.abs(x) } }
struct Square: ElementwiseUnaryOperation { @inline(__always) func apply(_ x: Float) -> Float { x * x } }
struct ReLU: ElementwiseUnaryOperation { @inline(__always) func apply(_ x: Float) -> Float { x > 0 ? x : 0 } }
struct Sigmoid: ElementwiseUnaryOperation { @inline(__always) func apply(_ x: Float) -> Float { 1 / (1 + fastExp(-x)) } }
struct Clamp: ElementwiseUnaryOperation {
    let lo: Float, hi: Float
    @inline(__always) func apply(_ x: Float) -> Float { Swift.min(Swift.max(x, lo), hi) }
}
