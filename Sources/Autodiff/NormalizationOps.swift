// Differentiable softmax, log-softmax and layer normalisation (kernels in Tensor/Softmax.swift).
import Tensor

/// softmax along `axis`; gradient y ⊙ (g − Σ g⊙y).
public func softmax(_ a: Variable, axis: Int) -> Variable {
    let y = a.value.softmax(axis: axis)
    return Variable.record(y, op: "softmax", inputs: [a]) { g in
        [y.softmaxBackward(g, axis: axis)]
    }
}

/// log-softmax along `axis`; gradient g − softmax ⊙ Σ g.
public func logSoftmax(_ a: Variable, axis: Int) -> Variable {
    let y = a.value.logSoftmax(axis: axis)
    return Variable.record(y, op: "logSoftmax", inputs: [a]) { g in
        [y.logSoftmaxBackward(g, axis: axis)]
    }
}

/// Layer normalisation over the last axis: (x − μ)/√(σ² + eps) ⊙ weight + bias, with the
/// biased variance (PyTorch `F.layer_norm`). x [..., D], weight and bias [D]. `relu` applies max(·, 0)
/// to the result in the same pass (ReLU(LN(x)) is the decoder's most common pair).
public func layerNorm(_ x: Variable, weight: Variable, bias: Variable, eps: Float = 1e-5, relu: Bool = false) -> Variable {
    let d = x.shape[x.rank - 1]
    precondition(weight.shape == [d] && bias.shape == [d], "layerNorm: weight \(weight.shape), bias \(bias.shape) for input \(x.shape)")
    let (out, normalized, inverseStd) = x.value.layerNorm(weight: weight.value, bias: bias.value, eps: eps, relu: relu)
    let w = weight.value
    let (needX, needParameters) = (x.requiresGrad, weight.requiresGrad || bias.requiresGrad)
    return Variable.record(out, op: "layerNorm", inputs: [x, weight, bias]) { g in
        let grads = g.layerNormGradients(normalized: normalized, inverseStd: inverseStd, weight: w, reluOutput: relu ? out : nil,
                                         needInput: needX, needParameters: needParameters)
        return [grads.input, grads.weight, grads.bias]
    }
}

