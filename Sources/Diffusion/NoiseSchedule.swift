// Noise schedules for box diffusion (spec §8.1) and the table of derived buffers the forward
// process and the samplers read. Tables are computed in Float64, as the official code does:
// ᾱ_999 ≈ 2.4e-9 would lose its digits in Float32.
import Foundation

/// A variance schedule over `timesteps` discrete steps, described by its cumulative signal ᾱ_t.
public protocol NoiseSchedule: Sendable {
    /// T, the number of discrete timesteps (1000 in DiffusionInst).
    var timesteps: Int { get }
    /// β_t for t = 0..T−1, each in [0, 0.999].
    func betas() -> [Double]
}

extension NoiseSchedule {
    /// The derived buffers (ᾱ_t, √ᾱ_t, √(1−ᾱ_t), …) of this schedule.
    public func table() -> ScheduleTable { ScheduleTable(betas: betas()) }
}

/// Betas from a continuous ᾱ(x), x ∈ [0, T]: β_t = clip(1 − ā(t+1)/ā(t), 0, 0.999) (spec §8.1 step 2).
func betasFromCumulative(timesteps: Int, _ alphaBar: (Double) -> Double) -> [Double] {
    let start = alphaBar(0)
    return (0..<timesteps).map { t in
        let ratio = (alphaBar(Double(t + 1)) / start) / (alphaBar(Double(t)) / start)
        return min(max(1 - ratio, 0), 0.999)
    }
}

/// Improved-DDPM cosine schedule: f(x) = cos²(((x/T) + s)/(1 + s)·π/2), ā = f(x)/f(0) (spec §8.1).
public struct CosineSchedule: NoiseSchedule {
    public var timesteps: Int
    /// Offset s that keeps β small near t = 0 (0.008 in DiffusionInst).
    public var offset: Double

    public init(timesteps: Int = 1000, offset: Double = 0.008) {
        self.timesteps = timesteps
        self.offset = offset
    }

    public func betas() -> [Double] {
        let total = Double(timesteps), s = offset
        return betasFromCumulative(timesteps: timesteps) { x in
            let angle = ((x / total) + s) / (1 + s) * Double.pi / 2
            return cos(angle) * cos(angle)
        }
    }
}

/// DDPM's linear schedule: β rises linearly from `betaStart` to `betaEnd` (scaled by 1000/T, as in
/// Improved-DDPM, so that other T keep the same overall noise level).
public struct LinearSchedule: NoiseSchedule {
    public var timesteps: Int
    public var betaStart: Double
    public var betaEnd: Double

    public init(timesteps: Int = 1000, betaStart: Double = 1e-4, betaEnd: Double = 0.02) {
        self.timesteps = timesteps
        self.betaStart = betaStart
        self.betaEnd = betaEnd
    }

    public func betas() -> [Double] {
        let scale = 1000 / Double(timesteps)
        let lo = scale * betaStart, hi = scale * betaEnd
        if timesteps == 1 { return [min(lo, 0.999)] }
        return (0..<timesteps).map { t in min(lo + (hi - lo) * Double(t) / Double(timesteps - 1), 0.999) }
    }
}

/// Sigmoid schedule (Chen 2023, "On the importance of noise scheduling"):
/// ā(x) = (σ(end/τ) − σ((x/T·(end − start) + start)/τ)) / (σ(end/τ) − σ(start/τ)).
public struct SigmoidSchedule: NoiseSchedule {
    public var timesteps: Int
    public var start: Double
    public var end: Double
    public var temperature: Double

    public init(timesteps: Int = 1000, start: Double = -3, end: Double = 3, temperature: Double = 1) {
        self.timesteps = timesteps
        self.start = start
        self.end = end
        self.temperature = temperature
    }

    public func betas() -> [Double] {
        func sigmoid(_ v: Double) -> Double { 1 / (1 + exp(-v)) }
        let vStart = sigmoid(start / temperature), vEnd = sigmoid(end / temperature)
        let total = Double(timesteps)
        return betasFromCumulative(timesteps: timesteps) { x in
            let v = sigmoid(((x / total) * (end - start) + start) / temperature)
            return (vEnd - v) / (vEnd - vStart)
        }
    }
}

/// Buffers derived from β (spec §8.1 step 3): α_t = 1 − β_t and ᾱ_t = ∏_{i≤t} α_i, plus the square
/// roots the forward process and the samplers use. All indexed by t = 0..T−1.
public struct ScheduleTable: Sendable {
    public let betas: [Double]
    public let alphaBar: [Double]

    public init(betas: [Double]) {
        precondition(!betas.isEmpty, "a noise schedule needs at least one timestep")
        self.betas = betas
        var product = 1.0
        alphaBar = betas.map { beta in product *= (1 - beta); return product }
    }

    public var timesteps: Int { betas.count }
    /// √ᾱ_t
    public func sqrtAlphaBar(_ t: Int) -> Double { alphaBar[t].squareRoot() }
    /// √(1 − ᾱ_t)
    public func sqrtOneMinusAlphaBar(_ t: Int) -> Double { (1 - alphaBar[t]).squareRoot() }
    /// 1/√ᾱ_t
    public func reciprocalSqrtAlphaBar(_ t: Int) -> Double { 1 / alphaBar[t].squareRoot() }
    /// √(1/ᾱ_t − 1), the divisor of the x̂₀ → ε̂ conversion (≈ 20291 at t = 999, spec §15.11).
    public func sqrtReciprocalAlphaBarMinusOne(_ t: Int) -> Double { (1 / alphaBar[t] - 1).squareRoot() }
    /// ᾱ at `t`, with ᾱ_{−1} = 1 (the clean end of the chain, used by the last sampler pair).
    public func alphaBar(at t: Int) -> Double { t < 0 ? 1 : alphaBar[t] }
}
