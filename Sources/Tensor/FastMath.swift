// Branch-free exp and erf that LLVM vectorises inside element loops (libm calls do not).
// exp: Cody–Waite range reduction and Cephes' degree-5 polynomial (≤ 2 ulp on [−87, 88]).
// erf: Abramowitz–Stegun 7.1.26 (|error| ≤ 1.5e-7 exact, ≤ 5e-7 in Float). Each has a libm reference in the tests.

/// eˣ for Float. Inputs are clamped to [−87.3, 88.3] (below: ≈1e-38 instead of a denormal; the
/// top of the float range, 88.3…88.72, is not reached).
@inlinable @inline(__always)
public func fastExp(_ x: Float) -> Float {
    let c = Swift.min(Swift.max(x, -87.3), 88.3)
    // Round to nearest by adding and subtracting 1.5·2²³ (plain arithmetic: vectorises, unlike rint).
    let n = (c * 1.44269504088896341 + 12582912) - 12582912
    let r = c - n * 0.693359375 + n * 2.12194440e-4
    var p: Float = 1.9875691500e-4
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let e = p * (r * r) + r + 1
    return e * Float(bitPattern: UInt32(truncatingIfNeeded: Int32(n) + 127) << 23)
}

/// erf(x) for Float, absolute error ≤ 5e-7 (1.5e-7 from the formula, the rest Float rounding).
@inlinable @inline(__always)
public func fastErf(_ x: Float) -> Float {
    let a = Swift.abs(x)
    let t = 1 / (1 + 0.3275911 * a)
    var p: Float = 1.061405429
    p = p * t - 1.453152027
    p = p * t + 1.421413741
    p = p * t - 0.284496736
    p = p * t + 0.254829592
    let y = 1 - p * t * fastExp(-a * a)
    return x < 0 ? -y : y
}

/// GELU (erf form) of one element: x·Φ(x).
@inlinable @inline(__always)
public func geluScalar(_ x: Float) -> Float { 0.5 * x * (1 + fastErf(x * 0.70710678118654752)) }

/// g·GELU′(x) = g·(Φ(x) + x·φ(x)).
@inlinable @inline(__always)
public func geluBackwardScalar(_ x: Float, _ g: Float) -> Float {
    let cdf = 0.5 * (1 + fastErf(x * 0.70710678118654752))
    let pdf = 0.3989422804014327 * fastExp(-0.5 * x * x)
    return g * (cdf + x * pdf)
}

/// g·SiLU′(x) = g·σ(x)(1 + x(1 − σ(x))).
@inlinable @inline(__always)
public func siluBackwardScalar(_ x: Float, _ g: Float) -> Float {
    let s = 1 / (1 + fastExp(-x))
    return g * s * (1 + x * (1 - s))
}
