using Invariscope.Runtime;
using static TorchSharp.torch;

namespace Invariscope.Analysis;

/// <summary>
/// Linear CKA on bootstrap resamples of the N probe samples. The same resample index sets are used for every
/// layer, checkpoint and setting of an analysis (they depend only on N, the count and a seed), so differences
/// between settings can be bootstrapped pairwise.
/// </summary>
public static class CkaBootstrap
{
    /// <summary><paramref name="count"/> resamples of 0..n−1 with replacement, from a seeded generator.</summary>
    public static int[][] Resamples(int n, int count, int seed)
    {
        if (n < 2) throw new InvariscopeException($"bootstrap over samples needs at least 2 samples, got {n}");
        if (count < 0) throw new InvariscopeException($"bootstrap resamples must be ≥ 0, got {count}");
        var rng = new Random(seed);
        var result = new int[count][];
        for (int b = 0; b < count; b++)
        {
            result[b] = new int[n];
            for (int i = 0; i < n; i++) result[b][i] = rng.Next(n);
        }
        return result;
    }

    /// <summary>
    /// Linear CKA of X[idx] and Y[idx] for every index set: from the uncentred Gram matrices K = XXᵀ and L = YYᵀ,
    /// K_b = K[idx, idx] is double-centred (which equals centring the resampled features) and
    /// CKA_b = ⟨K̃_b, L̃_b⟩ / (‖K̃_b‖ ‖L̃_b‖). NaN for a resample in which either side is constant.
    /// </summary>
    public static double[] Linear(Tensor x, Tensor y, IReadOnlyList<int[]> resamples)
    {
        using var scope = NewDisposeScope();
        var (a, b) = CkaInput.Prepare(x, y);
        var k = a.matmul(a.T);
        var l = b.matmul(b.T);
        long n = k.shape[0];
        var result = new double[resamples.Count];
        const int chunk = 16;
        for (int start = 0; start < resamples.Count; start += chunk)
        {
            using var inner = NewDisposeScope();
            int count = Math.Min(chunk, resamples.Count - start);
            var flat = new long[count * n];
            for (int r = 0; r < count; r++)
            {
                if (resamples[start + r].Length != n) throw new InvariscopeException($"bootstrap resample {start + r} has {resamples[start + r].Length} indices for {n} samples");
                for (int i = 0; i < n; i++) flat[r * n + i] = resamples[start + r][i];
            }
            var idx = tensor(flat, [count, n], device: k.device);
            var kb = Centre(Gather(k, idx));
            var lb = Centre(Gather(l, idx));
            var kl = (kb * lb).sum([1L, 2L]);
            var kk = (kb * kb).sum([1L, 2L]);
            var ll = (lb * lb).sum([1L, 2L]);
            var values = (kl / (kk * ll).sqrt()).cpu().data<double>().ToArray();
            for (int r = 0; r < count; r++)
                result[start + r] = double.IsFinite(values[r]) ? Math.Clamp(values[r], 0, 1) : double.NaN;
        }
        return result;
    }

    /// <summary>M[idx_r, idx_r] for every row r of idx (R, N): (R, N, N).</summary>
    static Tensor Gather(Tensor m, Tensor idx)
    {
        long r = idx.shape[0], n = idx.shape[1];
        var rows = m.index_select(0, idx.reshape(-1)).reshape(r, n, n);       // (R, N, N): rows picked
        return rows.gather(2, idx.unsqueeze(1).expand(r, n, n));               // columns picked per resample
    }

    static Tensor Centre(Tensor k) =>
        k - k.mean([1L], keepdim: true) - k.mean([2L], keepdim: true) + k.mean([1L, 2L], keepdim: true);
}
