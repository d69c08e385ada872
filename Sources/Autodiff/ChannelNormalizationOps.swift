// Differentiable channel normalisations on N×C×… tensors: BatchNorm (train/eval), FrozenBatchNorm
// and GroupNorm. Running statistics are plain tensors owned by the caller (the layer's buffers).
import Tensor

/// BatchNorm. Training: normalise by the batch's mean and biased variance, and update the running
/// statistics `r ← (1 − momentum)·r + momentum·batch` (unbiased variance). Evaluation: running statistics.
/// `y = (x − μ)/√(σ² + eps)·weight + bias`, weight and bias of shape [C].
/// `relu` fuses max(·, 0) onto the output (forward and backward in the same passes).
public func batchNorm(_ x: Variable, weight: Variable, bias: Variable, runningMean: inout Tensor,
                      runningVariance: inout Tensor, training: Bool, momentum: Float = 0.1, eps: Float = 1e-5,
                      relu: Bool = false) -> Variable {
    let (output, statistics) = batchNorm(x.value, weight: weight.value, bias: bias.value, runningMean: &runningMean,
                                         runningVariance: &runningVariance, training: training, momentum: momentum, eps: eps, relu: relu)
    let (xv, wv) = (x.value, weight.value)
    return Variable.record(output, op: "batchNorm", inputs: [x, weight, bias]) { g in
        let grads = batchNormBackward(g, input: xv, weight: wv, statistics: statistics, training: training, gate: relu ? output : nil)
        return [grads.input, grads.weight, grads.bias]
    }
}

/// FrozenBatchNorm (spec §3): the fixed affine `y = (x − μ)/√(v + eps)·γ + β`; only x gets a gradient.
public func frozenBatchNorm(_ x: Variable, weight: Tensor, bias: Tensor, runningMean: Tensor, runningVariance: Tensor,
                            eps: Float = 1e-5) -> Variable {
    let output = frozenBatchNorm(x.value, weight: weight, bias: bias, runningMean: runningMean, runningVariance: runningVariance, eps: eps)
    return Variable.record(output, op: "frozenBatchNorm", inputs: [x]) { g in
        [frozenBatchNormBackward(g, weight: weight, runningVariance: runningVariance, eps: eps)]
    }
}

/// GroupNorm: per image, channels split into `groups` consecutive sets normalised together, then
/// the per-channel affine `weight`, `bias` ([C]).
public func groupNorm(_ x: Variable, groups: Int, weight: Variable, bias: Variable, eps: Float = 1e-5) -> Variable {
    let (output, statistics) = groupNorm(x.value, groups: groups, weight: weight.value, bias: bias.value, eps: eps)
    let (xv, wv) = (x.value, weight.value)
    return Variable.record(output, op: "groupNorm", inputs: [x, weight, bias]) { g in
        let grads = groupNormBackward(g, input: xv, groups: groups, weight: wv, statistics: statistics)
        return [grads.input, grads.weight, grads.bias]
    }
}
