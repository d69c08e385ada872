// Samplers: the time pairs a run visits and the update x_t → x_{t'} given the network's x̂₀ and
// the implied ε̂. DDIM(η) is DiffusionInst's (spec §10.1–10.2); DDPM ancestral, one-step and
// DPM-Solver++(2M) (an ODE solver in data-prediction form) are the alternatives.
import Foundation

/// Per-run memory a multistep sampler keeps between steps, one entry per current proposal row
/// (nil for rows that were just replenished with fresh noise).
public struct SamplerMemory: Sendable {
    public var previousClean: [Box?] = []
    public var previousLogSNRStep: Double? = nil
    public init() {}
}

public protocol Sampler: Sendable {
    /// Consecutive (t, t′) pairs from T−1 down to −1 for `steps` network evaluations.
    func timePairs(steps: Int, timesteps: Int) -> [(from: Int, to: Int)]
    /// x_{t′} from the current state x_t (unclamped), x̂₀ and ε̂, all restricted to the kept rows; t′ ≥ 0.
    func step(state: [Box], predictedClean: [Box], predictedNoise: [Box], from t: Int, to next: Int,
              table: ScheduleTable, memory: inout SamplerMemory, generator: inout NoiseGenerator) -> [Box]
}

/// `linspace(−1, T−1, S+1)` in Float32, truncated toward zero and reversed (spec §10.1).
/// Follows torch's two-sided linspace (first half from the start, second half from the end).
public func linspaceTimePairs(steps: Int, timesteps: Int) -> [(from: Int, to: Int)] {
    precondition(steps >= 1, "sampling needs at least one step, got \(steps)")
    let count = steps + 1
    let start: Float = -1, end = Float(timesteps - 1)
    let delta = (end - start) / Float(steps)
    let halfway = count / 2
    let times = (0..<count).map { i -> Int in
        let value = i < halfway ? start + delta * Float(i) : end - delta * Float(count - 1 - i)
        return Int(value)  // truncation toward zero, like torch's .int()
    }.reversed().map { $0 }
    return (0..<steps).map { (times[$0], times[$0 + 1]) }
}

/// DDIM with stochasticity η (spec §10.2 step 5):
/// σ = η·√((1 − ᾱ_t/ᾱ_{t′})(1 − ᾱ_{t′})/(1 − ᾱ_t)), c = √(1 − ᾱ_{t′} − σ²), x′ = √ᾱ_{t′}·x̂₀ + c·ε̂ + σ·z.
public struct DDIMSampler: Sampler {
    public var eta: Double
    public init(eta: Double = 1) { self.eta = eta }

    public func timePairs(steps: Int, timesteps: Int) -> [(from: Int, to: Int)] {
        linspaceTimePairs(steps: steps, timesteps: timesteps)
    }

    /// (√ᾱ_{t′}, c, σ) for the pair t → t′ (the §10.2 table).
    public func coefficients(from t: Int, to next: Int, table: ScheduleTable) -> (signal: Double, noise: Double, sigma: Double) {
        let alpha = table.alphaBar(at: t), alphaNext = table.alphaBar(at: next)
        let sigma = eta * ((1 - alpha / alphaNext) * (1 - alphaNext) / (1 - alpha)).squareRoot()
        let c = max(1 - alphaNext - sigma * sigma, 0).squareRoot()
        return (alphaNext.squareRoot(), c, sigma)
    }

    public func step(state: [Box], predictedClean: [Box], predictedNoise: [Box], from t: Int, to next: Int,
                     table: ScheduleTable, memory: inout SamplerMemory, generator: inout NoiseGenerator) -> [Box] {
        let (a, c, s) = coefficients(from: t, to: next, table: table)
        let z = generator.normalBoxes(state.count)
        return (0..<state.count).map { i in
            Float(a) * predictedClean[i] + Float(c) * predictedNoise[i] + Float(s) * z[i]
        }
    }
}

/// Ancestral sampling from the Gaussian posterior q(x_{t′} | x_t, x̂₀) of a jump t → t′:
/// mean = √ᾱ_{t′}(1 − ᾱ_t/ᾱ_{t′})/(1 − ᾱ_t)·x̂₀ + √(ᾱ_t/ᾱ_{t′})(1 − ᾱ_{t′})/(1 − ᾱ_t)·x_t,
/// variance = (1 − ᾱ_{t′})/(1 − ᾱ_t)·(1 − ᾱ_t/ᾱ_{t′}). Uses x_t directly (not ε̂).
public struct DDPMSampler: Sampler {
    public init() {}

    public func timePairs(steps: Int, timesteps: Int) -> [(from: Int, to: Int)] {
        linspaceTimePairs(steps: steps, timesteps: timesteps)
    }

    public func step(state: [Box], predictedClean: [Box], predictedNoise: [Box], from t: Int, to next: Int,
                     table: ScheduleTable, memory: inout SamplerMemory, generator: inout NoiseGenerator) -> [Box] {
        let alpha = table.alphaBar(at: t), alphaNext = table.alphaBar(at: next)
        let jump = alpha / alphaNext
        let cleanWeight = Float(alphaNext.squareRoot() * (1 - jump) / (1 - alpha))
        let stateWeight = Float(jump.squareRoot() * (1 - alphaNext) / (1 - alpha))
        let deviation = Float(((1 - alphaNext) / (1 - alpha) * (1 - jump)).squareRoot())
        let z = generator.normalBoxes(state.count)
        return (0..<state.count).map { i in
            cleanWeight * predictedClean[i] + stateWeight * state[i] + deviation * z[i]
        }
    }
}

/// A single network evaluation at t = T−1, whatever the requested step count.
public struct OneStepSampler: Sampler {
    public init() {}

    public func timePairs(steps: Int, timesteps: Int) -> [(from: Int, to: Int)] { [(timesteps - 1, -1)] }

    public func step(state: [Box], predictedClean: [Box], predictedNoise: [Box], from t: Int, to next: Int,
                     table: ScheduleTable, memory: inout SamplerMemory, generator: inout NoiseGenerator) -> [Box] {
        preconditionFailure("the one-step sampler never takes an intermediate step")
    }
}

/// DPM-Solver++(2M), the deterministic ODE solver in data-prediction form (Lu et al. 2022):
/// with α = √ᾱ, σ = √(1−ᾱ), λ = ln(α/σ) and h = λ_{t′} − λ_t,
/// x_{t′} = (σ_{t′}/σ_t)·x_t − α_{t′}(e^{−h} − 1)·D, where D = x̂₀ on the first step (and for freshly
/// replenished rows) and D = (1 + 1/2r)·x̂₀ − (1/2r)·x̂₀_prev with r = h_prev/h afterwards.
public struct DPMSolverSampler: Sampler {
    public init() {}

    public func timePairs(steps: Int, timesteps: Int) -> [(from: Int, to: Int)] {
        linspaceTimePairs(steps: steps, timesteps: timesteps)
    }

    static func logSNR(_ alphaBar: Double) -> Double { 0.5 * log(alphaBar / (1 - alphaBar)) }

    public func step(state: [Box], predictedClean: [Box], predictedNoise: [Box], from t: Int, to next: Int,
                     table: ScheduleTable, memory: inout SamplerMemory, generator: inout NoiseGenerator) -> [Box] {
        let alpha = table.alphaBar(at: t), alphaNext = table.alphaBar(at: next)
        let h = Self.logSNR(alphaNext) - Self.logSNR(alpha)
        let ratio = Float(((1 - alphaNext) / (1 - alpha)).squareRoot())
        let cleanWeight = Float(-alphaNext.squareRoot() * (exp(-h) - 1))
        let halfInverseR: Float? = memory.previousLogSNRStep.map { Float(0.5 * h / $0) }
        var result = [Box]()
        result.reserveCapacity(state.count)
        for i in 0..<state.count {
            var d = predictedClean[i]
            if let k = halfInverseR, i < memory.previousClean.count, let previous = memory.previousClean[i] {
                d = (1 + k) * predictedClean[i] - k * previous
            }
            result.append(ratio * state[i] + cleanWeight * d)
        }
        memory.previousClean = predictedClean.map { Optional($0) }
        memory.previousLogSNRStep = h
        return result
    }
}
