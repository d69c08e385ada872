// Seeded random numbers: xoshiro256** with a serialisable four-word state (checkpoints save it),
// uniform floats from the top 24 bits, and normals by the Box–Muller transform.
import Foundation

/// Deterministic generator. Value type: pass it `inout` (`using: &rng`); copying it forks the stream.
public struct RandomGenerator: RandomNumberGenerator, Sendable, Equatable {
    /// The full generator state; assign a saved value to resume a stream exactly.
    public var state: [UInt64] {
        get { [s0, s1, s2, s3] }
        set {
            precondition(newValue.count == 4 && newValue.contains { $0 != 0 }, "RandomGenerator state must be 4 words, not all zero")
            (s0, s1, s2, s3) = (newValue[0], newValue[1], newValue[2], newValue[3])
        }
    }
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// Seeds the state with SplitMix64, so nearby seeds give unrelated streams.
    public init(seed: UInt64) {
        var seeder = SplitMix64(seed: seed)
        (s0, s1, s2, s3) = (seeder.next(), seeder.next(), seeder.next(), seeder.next())
    }

    public init(state: [UInt64]) {
        (s0, s1, s2, s3) = (1, 0, 0, 0)
        self.state = state
    }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in [0, 1).
    public mutating func nextFloat() -> Float { Float(next() >> 40) * 0x1p-24 }
    /// Uniform in [0, 1) with 53 bits.
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1p-53 }
    /// A pair of independent standard normals (Box–Muller).
    public mutating func nextNormalPair() -> (Float, Float) {
        let u1 = 1 - nextDouble(), u2 = nextDouble()
        let r = (-2 * Foundation.log(u1)).squareRoot()
        return (Float(r * cos(2 * .pi * u2)), Float(r * sin(2 * .pi * u2)))
    }
    /// Uniform integer in `0..<upperBound`.
    public mutating func nextInt(below upperBound: Int) -> Int { Int.random(in: 0..<upperBound, using: &self) }
}

extension Tensor {
    public static func randomNormal(shape: [Int], mean: Float = 0, std: Float = 1, using rng: inout RandomGenerator) -> Tensor {
        Tensor(shape: shape) { p in
            let n = shape.reduce(1, *)
            var i = 0
            while i < n {
                let (a, b) = rng.nextNormalPair()
                p[i] = mean + std * a
                if i + 1 < n { p[i + 1] = mean + std * b }
                i += 2
            }
        }
    }

    public static func randomUniform(shape: [Int], low: Float = 0, high: Float = 1, using rng: inout RandomGenerator) -> Tensor {
        Tensor(shape: shape) { p in
            for i in 0..<shape.reduce(1, *) { p[i] = low + (high - low) * rng.nextFloat() }
        }
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a one-word state, so a stream position fits in a checkpoint
/// or a loader position. The one implementation behind every generator here: it seeds
/// `RandomGenerator`, drives data augmentation and synthesis (`DataRandom`), diffusion noise
/// (`NoiseGenerator`), sweep draws, and derives per-purpose seeds from `seeds.base`.
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable, Codable {
    /// The complete state: restoring it reproduces the stream exactly.
    public var state: UInt64
    /// The Weyl-sequence increment (2⁶⁴ / golden ratio).
    public static let increment: UInt64 = 0x9E37_79B9_7F4A_7C15

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= Self.increment
        return Self.mix(state)
    }

    /// The output finaliser: a bijection of 64 bits in which every input bit flips about half the
    /// output bits, so neighbouring inputs (seeds, indices) give unrelated values.
    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}
