namespace Invariscope.Report;

/// <summary>
/// A per-layer metric of one setting (for example forgetting at the final epoch), with optional interval bounds.
/// </summary>
/// <param name="Setting">Name of the setting; shown in the legend.</param>
/// <param name="Layers">Layer names in depth order (for example block0..block11, pre_logits); used as tick labels.</param>
/// <param name="Mean">One value per layer; NaN marks a missing value.</param>
/// <param name="Lower">Optional lower interval bound per layer (drawn as a shaded band together with <paramref name="Upper"/>).</param>
/// <param name="Upper">Optional upper interval bound per layer.</param>
/// <param name="Floor">Optional noise floor per layer (the metric at epoch 0, where the model is still p), drawn dashed.</param>
public sealed record LayerCurve(string Setting, IReadOnlyList<string> Layers, double[] Mean, double[]? Lower, double[]? Upper, double[]? Floor = null);

/// <summary>
/// A layer-to-layer matrix of one setting: rows are pretrained layer i, columns are finetuned layer j,
/// and <c>Values[i][j]</c> is the entry for that pair.
/// </summary>
/// <param name="Setting">Name of the setting; shown in the figure title.</param>
/// <param name="Layers">Layer names in depth order; both the row and the column labels.</param>
/// <param name="Values">Square matrix, <c>Values[i][j]</c>; NaN marks a missing entry.</param>
public sealed record FlowMatrix(string Setting, IReadOnlyList<string> Layers, double[][] Values);

/// <summary>
/// A named series over epochs, with an optional interval band.
/// </summary>
/// <param name="Name">Series name; shown in the legend.</param>
/// <param name="Epochs">Epoch numbers (x values).</param>
/// <param name="Values">One value per epoch; NaN marks a missing value.</param>
/// <param name="Lower">Optional lower interval bound per epoch.</param>
/// <param name="Upper">Optional upper interval bound per epoch.</param>
public sealed record EpochSeries(string Name, int[] Epochs, double[] Values, double[]? Lower = null, double[]? Upper = null);
