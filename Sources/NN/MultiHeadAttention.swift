// Multi-head scaled dot-product attention with PyTorch's `nn.MultiheadAttention` parameter layout:
// one in-projection (3D×D weight, rows Q then K then V, with bias) and an out-projection. No mask.

public final class MultiHeadAttention: Module {
    /// Weight [3·D, D] (Q, K, V rows) and bias [3·D].
    public let inProjection: Linear
    public let outProjection: Linear
    public let embedDimension: Int, heads: Int

    /// Initialised like PyTorch: in-projection Xavier-uniform over the whole 3D×D matrix with zero
    /// bias; out-projection default Linear weight with zero bias.
    public init(embedDimension: Int, heads: Int, using rng: inout RandomGenerator) {
        precondition(embedDimension % heads == 0, "embed dimension \(embedDimension) not divisible by \(heads) heads")
        self.embedDimension = embedDimension
        self.heads = heads
        inProjection = Linear(inputSize: embedDimension, outputSize: 3 * embedDimension,
                              weightInitializer: .xavierUniform, biasInitializer: .zeros, using: &rng)
        outProjection = Linear(inputSize: embedDimension, outputSize: embedDimension, biasInitializer: .zeros, using: &rng)
        super.init()
    }

    /// Self-attention: `x` is [B, L, D] (batch first) or [L, D].
    public func callAsFunction(_ x: Variable) -> Variable { callAsFunction(query: x, key: x, value: x) }

    /// softmax(QKᵀ/√(D/heads))·V per head, then the out-projection. query [B, Lq, D], key/value [B, Lk, D]
    /// (or the same without B). Returns [B, Lq, D].
    public func callAsFunction(query: Variable, key: Variable, value: Variable) -> Variable {
        let d = embedDimension, h = heads, hd = d / heads
        let batched = query.rank == 3
        let q3 = batched ? query : query.reshaped([1] + query.shape)
        let k3 = batched ? key : key.reshaped([1] + key.shape)
        let v3 = batched ? value : value.reshaped([1] + value.shape)
        let b = q3.shape[0], lq = q3.shape[1], lk = k3.shape[1]
        precondition(q3.shape[2] == d && k3.shape == v3.shape && k3.shape[0] == b && k3.shape[2] == d,
                     "attention: query \(query.shape), key \(key.shape), value \(value.shape) for D = \(d)")
        let q: Variable, k: Variable, v: Variable
        if query === key && key === value {
            let parts = inProjection(q3).split(axis: 2, sizes: [d, d, d])
            (q, k, v) = (parts[0], parts[1], parts[2])
        } else {
            let w = inProjection.weight.split(axis: 0, sizes: [d, d, d])
            let bias = inProjection.bias!.split(axis: 0, sizes: [d, d, d])
            q = linear(q3, weight: w[0], bias: bias[0])
            k = linear(k3, weight: w[1], bias: bias[1])
            v = linear(v3, weight: w[2], bias: bias[2])
        }
        // [B, L, D] → [B·H, L, hd]; the 1/√hd scale is applied to Q (L·hd work instead of L²).
        func splitHeads(_ t: Variable, _ l: Int) -> Variable { t.reshaped([b, l, h, hd]).permuted([0, 2, 1, 3]).reshaped([b * h, l, hd]) }
        let scale = 1 / Float(hd).squareRoot()
        let scores = matmul(splitHeads(q, lq) * scale, splitHeads(k, lk), transposeB: true)
        let attention = softmax(scores, axis: -1)
        let context = matmul(attention, splitHeads(v, lk)).reshaped([b, h, lq, hd]).permuted([0, 2, 1, 3]).reshaped([b, lq, d])
        let out = outProjection(context)
        return batched ? out : out.reshaped([lq, d])
    }
}
