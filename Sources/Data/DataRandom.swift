// The data pipeline's own seeded generator. Its whole state is one UInt64, so that a loader
// position (seed, epoch, index) fully determines every random choice and can be stored in a checkpoint.
import Foundation
import Tensor

/// SplitMix64 (`Tensor.SplitMix64`) plus index-keyed streams: tiny, fast, statistically sound for augmentation and synthesis, and trivially serialisable.
public struct DataRandom: RandomNumberGenerator, Sendable, Equatable {
    /// The complete generator state: restoring it reproduces the stream exactly.
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// An independent stream for a tuple of indices (e.g. seed, epoch, image index): the mixing makes
    /// neighbouring tuples give unrelated streams, and the result does not depend on consumption order.
    public init(seed: UInt64, stream: UInt64...) {
        var mixed = SplitMix64.mix(seed &+ SplitMix64.increment)
        for value in stream { mixed = SplitMix64.mix(mixed ^ (value &* 0xD1B5_4A32_D192_ED03)) }
        state = mixed
    }

    public mutating func next() -> UInt64 {
        state &+= SplitMix64.increment
        return SplitMix64.mix(state)
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
