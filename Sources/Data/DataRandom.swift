// The data pipeline's own seeded generator. Its whole state is one UInt64, so that a loader
// position (seed, epoch, index) fully determines every random choice and can be stored in a checkpoint.
import Foundation

/// SplitMix64: tiny, fast, statistically sound for augmentation and synthesis, and trivially serialisable.
public struct DataRandom: RandomNumberGenerator, Sendable, Equatable {
    /// The complete generator state: restoring it reproduces the stream exactly.
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// An independent stream for a tuple of indices (e.g. seed, epoch, image index): the mixing makes
    /// neighbouring tuples give unrelated streams, and the result does not depend on consumption order.
    public init(seed: UInt64, stream: UInt64...) {
        var mixed = DataRandom.mix(seed &+ 0x9E37_79B9_7F4A_7C15)
        for value in stream { mixed = DataRandom.mix(mixed ^ (value &* 0xD1B5_4A32_D192_ED03)) }
        state = mixed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return DataRandom.mix(state)
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * unit() }

    /// Uniform integer in the closed range.
    public mutating func integer(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Standard normal (Box-Muller; one value per call keeps the state a single word).
    public mutating func normal() -> Double {
        let u1 = max(unit(), 1e-300), u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
