// The seeded generator behind all diffusion noise (training corruption, initial boxes, DDIM noise,
// replenishment). Sampling noise has its own seed, separate from the weight/data generators, so a
// result file can record it and a prediction can be reproduced; its whole state is one UInt64.
import Foundation
import Tensor

/// SplitMix64 stream with Box–Muller normals. Deterministic across platforms (integer arithmetic
/// plus Foundation's `log`, `sin`, `cos` in Double).
public struct NoiseGenerator: Sendable, Equatable, Codable {
    /// The complete state: saving it and restoring it resumes the stream exactly.
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// Next 64 random bits (SplitMix64).
    public mutating func nextBits() -> UInt64 {
        state &+= SplitMix64.increment
        return SplitMix64.mix(state)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double { Double(nextBits() >> 11) * 0x1.0p-53 }

    /// Uniform integer in 0..<bound.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below:) needs a positive bound")
        return Int(nextBits() % UInt64(bound))
    }

    /// One standard normal sample (Box–Muller; the second value is dropped to keep the state one word).
    public mutating func nextNormal() -> Double {
        let u1 = max(nextUniform(), 0x1.0p-60), u2 = nextUniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// `count` standard normal Floats.
    public mutating func normals(_ count: Int) -> [Float] { (0..<count).map { _ in Float(nextNormal()) } }

    /// `count` boxes of standard normal coordinates (a fresh diffusion state).
    public mutating func normalBoxes(_ count: Int) -> [Box] {
        (0..<count).map { _ in Box(Float(nextNormal()), Float(nextNormal()), Float(nextNormal()), Float(nextNormal())) }
    }
}
