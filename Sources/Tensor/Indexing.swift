// Index-driven ops on `Tensor`: indexSelect (whole slices by index), gather and its adjoint
// scatterAdd (PyTorch `torch.gather` / `scatter_add` semantics, indices stored as Float).

extension Tensor {
    /// Slices `indices` along `axis`, in order (repeats allowed). Result axis length = indices.count.
    public func indexSelect(axis: Int, indices: [Int]) -> Tensor {
        let axis = axis < 0 ? axis + rank : axis
        let (outer, n, inner) = axisView(axis)
        precondition(indices.allSatisfy { $0 >= 0 && $0 < n }, "indexSelect: index out of 0..<\(n) on axis \(axis) of \(shape)")
        var outShape = shape; outShape[axis] = indices.count
        let m = indices.count
        return Tensor(shape: outShape) { out in
            withUnsafePointer { p in
                Parallel.forEachChunk(outer * m, costPerItem: inner) { r in
                    for row in r {
                        let o = row / m, j = row % m
                        (out + row * inner).update(from: p + (o * n + indices[j]) * inner, count: inner)
                    }
                }
            }
        }
    }

    /// Adjoint of `indexSelect`: adds slice j of `self` into slice `indices[j]` of a zero tensor of `shape`.
    public func indexAdd(axis: Int, indices: [Int], into outShape: [Int]) -> Tensor {
        let axis = axis < 0 ? axis + rank : axis
        let outer = outShape[..<axis].reduce(1, *), n = outShape[axis], inner = outShape[(axis + 1)...].reduce(1, *)
        let m = indices.count
        return Tensor(shape: outShape) { out in
            out.initialize(repeating: 0, count: outShape.reduce(1, *))
            withUnsafePointer { p in
                for o in 0..<outer {
                    for j in 0..<m {
                        let dst = out + (o * n + indices[j]) * inner, src = p + (o * m + j) * inner
                        for k in 0..<inner { dst[k] += src[k] }
                    }
                }
            }
        }
    }

    /// out[i₀…i_axis…] = self[i₀ … indices[i₀…] … ]: result has the shape of `indices`, whose
    /// dimensions off `axis` must not exceed those of `self`.
    public func gather(axis: Int, indices: Tensor) -> Tensor {
        let axis = axis < 0 ? axis + rank : axis
        precondition(indices.rank == rank, "gather: indices rank \(indices.rank) != \(rank)")
        let srcStrides = Tensor.contiguousStrides(shape)
        return Tensor(shape: indices.shape) { out in
            withUnsafePointer { p in
                indices.withUnsafePointer { idx in
                    Tensor.forEachIndexOffset(indices.shape, srcStrides, axis: axis) { flat, offset, axisStride in
                        let j = Int(idx[flat])
                        precondition(j >= 0 && j < shape[axis], "gather: index \(j) out of 0..<\(shape[axis])")
                        out[flat] = p[offset + j * axisStride]
                    }
                }
            }
        }
    }

    /// Adjoint of `gather`: a zero tensor of `outShape` with self[i] added at the gathered positions.
    public func scatterAdd(axis: Int, indices: Tensor, into outShape: [Int]) -> Tensor {
        let axis = axis < 0 ? axis + outShape.count : axis
        precondition(indices.shape == shape, "scatterAdd: indices \(indices.shape) must match source \(shape)")
        let dstStrides = Tensor.contiguousStrides(outShape)
        return Tensor(shape: outShape) { out in
            out.initialize(repeating: 0, count: outShape.reduce(1, *))
            withUnsafePointer { p in
                indices.withUnsafePointer { idx in
                    Tensor.forEachIndexOffset(indices.shape, dstStrides, axis: axis) { flat, offset, axisStride in
                        let j = Int(idx[flat])
                        precondition(j >= 0 && j < outShape[axis], "scatterAdd: index \(j) out of 0..<\(outShape[axis])")
                        out[offset + j * axisStride] += p[flat]
                    }
                }
            }
        }
    }

    /// Visits every position of `shape` with its flat index and its offset into a tensor with
    /// `strides`, excluding the `axis` coordinate (the caller adds index × axis stride).
    @inline(__always)
    static func forEachIndexOffset(_ shape: [Int], _ strides: [Int], axis: Int,
                                   _ body: (_ flat: Int, _ offset: Int, _ axisStride: Int) -> Void) {
        let total = shape.reduce(1, *)
        if total == 0 { return }
        var index = [Int](repeating: 0, count: shape.count)
        var offset = 0
        for flat in 0..<total {
            body(flat, offset, strides[axis])
            var a = shape.count - 1
            while a >= 0 {
                index[a] += 1
                if a != axis { offset += strides[a] }
                if index[a] < shape[a] { break }
                if a != axis { offset -= strides[a] * shape[a] }
                index[a] = 0; a -= 1
            }
        }
    }
}
