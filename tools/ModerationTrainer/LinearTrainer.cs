using CommunityScale.TextModels;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace CommunityScale.Tools;

/// <summary>An example as ML.NET's trainers take it: sorted, merged hashed features.</summary>
public sealed class BinaryRow
{
    public bool Label { get; set; }

    public float Weight { get; set; }

    public VBuffer<float> Features { get; set; }
}

/// <summary>One head's trained weights over the hashed buckets.</summary>
public sealed record Head(string Name, float[] Weights, float Bias);

/// <summary>
/// Trains the linear heads with ML.NET's L-BFGS (logistic regressions):
/// convex, so one fixed seed and one thread give the same weights every run. L1 keeps the shipped file small.
/// </summary>
public sealed class LinearTrainer(MLContext ml, FeatureSettings featureSettings, float l1, float l2)
{
    private readonly int bits = featureSettings.Bits;

    private readonly Dictionary<string, VBuffer<float>> _features = new(StringComparer.Ordinal);
    private readonly FeatureBuffer _buffer = new();

    public int Dimension => 1 << bits;

    public VBuffer<float> Features(string text)
    {
        if (_features.TryGetValue(text, out var cached))
        {
            return cached;
        }

        TextFeatures.Extract(text, featureSettings, _buffer);
        var merged = new SortedDictionary<int, float>();
        for (var i = 0; i < _buffer.Count; i++)
        {
            merged[_buffer.Indices[i]] = merged.GetValueOrDefault(_buffer.Indices[i]) + _buffer.Values[i];
        }

        var vector = new VBuffer<float>(Dimension, merged.Count, [.. merged.Values], [.. merged.Keys]);
        _features[text] = vector;
        return vector;
    }

    public Head TrainBinary(string name, IEnumerable<(string Text, bool Label, float Weight)> examples, float? headL1 = null, float? headL2 = null, float? naiveBayes = null, string kind = "lbfgs")
    {
        var rows = examples.Select(e => new BinaryRow { Label = e.Label, Weight = e.Weight, Features = Features(e.Text) }).ToList();
        var ratios = naiveBayes is { } alpha ? LogCountRatios(rows, alpha) : null;
        if (ratios is not null)
        {
            rows = [.. rows.Select(r => new BinaryRow { Label = r.Label, Weight = r.Weight, Features = Scaled(r.Features, ratios) })];
        }

        var schema = SchemaDefinition.Create(typeof(BinaryRow));
        schema[nameof(BinaryRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Dimension);
        var data = ml.Data.LoadFromEnumerable(rows, schema);
        // Model choice (tried on the validation split; the shipped heads are L-BFGS logistic regressions): SDCA logistic
        // regression and a linear SVM also give one weight per bucket and a bias, so the silo scores them alike.
        LinearBinaryModelParameters model = kind switch
        {
            "sdca" => ml.BinaryClassification.Trainers.SdcaLogisticRegression(new SdcaLogisticRegressionBinaryTrainer.Options
            {
                LabelColumnName = nameof(BinaryRow.Label),
                FeatureColumnName = nameof(BinaryRow.Features),
                ExampleWeightColumnName = nameof(BinaryRow.Weight),
                L1Regularization = headL1 ?? l1,
                L2Regularization = headL2 ?? l2,
                NumberOfThreads = 1,
                MaximumNumberOfIterations = 50,
                Shuffle = false,
            }).Fit(data).Model.SubModel,
            "svm" => ml.BinaryClassification.Trainers.LinearSvm(new LinearSvmTrainer.Options
            {
                LabelColumnName = nameof(BinaryRow.Label),
                FeatureColumnName = nameof(BinaryRow.Features),
                ExampleWeightColumnName = nameof(BinaryRow.Weight),
                Lambda = headL2 ?? 0.001f,
                NumberOfIterations = 20,
                Shuffle = false,
            }).Fit(data).Model,
            _ => ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
            {
                LabelColumnName = nameof(BinaryRow.Label),
                FeatureColumnName = nameof(BinaryRow.Features),
                ExampleWeightColumnName = nameof(BinaryRow.Weight),
                L1Regularization = headL1 ?? l1,
                L2Regularization = headL2 ?? l2,
                NumberOfThreads = 1,
                OptimizationTolerance = 1e-6f,
                MaximumNumberOfIterations = 500,
            }).Fit(data).Model.SubModel,
        };
        Console.WriteLine($"  {name}: {(kind == "lbfgs" ? "" : kind + ", ")}L1 {headL1 ?? l1}, L2 {headL2 ?? l2}{(naiveBayes is { } a ? $", Naive Bayes ratios (alpha {a})" : "")}, {rows.Count} examples, {rows.Count(r => r.Label)} positive, {model.Weights.Count(w => w != 0)} non-zero weights");
        float[] weights = [.. model.Weights];
        if (ratios is not null)
        {
            // The model saw each feature times its ratio: folding the ratio into the weight scores raw features alike.
            for (var i = 0; i < weights.Length; i++)
            {
                weights[i] *= ratios[i];
            }
        }

        return new Head(name, weights, model.Bias);
    }

    /// <summary>
    /// Naive Bayes log-count ratios (Wang and Manning 2012, NBSVM): how much likelier a feature is in the positive class
    /// than in the negative, from weighted presence counts smoothed by <paramref name="alpha"/>.
    /// </summary>
    private float[] LogCountRatios(List<BinaryRow> rows, float alpha)
    {
        var positive = new double[Dimension];
        var negative = new double[Dimension];
        foreach (var row in rows)
        {
            var counts = row.Label ? positive : negative;
            foreach (var index in row.Features.GetIndices())
            {
                counts[index] += row.Weight;
            }
        }

        var positiveTotal = positive.Sum() + (alpha * Dimension);
        var negativeTotal = negative.Sum() + (alpha * Dimension);
        var ratios = new float[Dimension];
        for (var i = 0; i < Dimension; i++)
        {
            ratios[i] = (float)Math.Log((positive[i] + alpha) / positiveTotal / ((negative[i] + alpha) / negativeTotal));
        }

        return ratios;
    }

    private static VBuffer<float> Scaled(VBuffer<float> features, float[] ratios)
    {
        var indices = features.GetIndices();
        var values = features.GetValues().ToArray();
        for (var k = 0; k < values.Length; k++)
        {
            values[k] *= ratios[indices[k]];
        }

        return new VBuffer<float>(features.Length, values.Length, values, indices.ToArray());
    }

    /// <summary>The heads side by side per bucket, as <see cref="LinearModel"/> scores them.</summary>
    public LinearModel Build(IReadOnlyList<Head> heads, IReadOnlyDictionary<string, double> settings)
    {
        var weights = new float[Dimension * heads.Count];
        for (var k = 0; k < heads.Count; k++)
        {
            for (var i = 0; i < Dimension; i++)
            {
                weights[(i * heads.Count) + k] = heads[k].Weights[i];
            }
        }

        return new LinearModel(bits, [.. heads.Select(h => h.Name)], weights, [.. heads.Select(h => h.Bias)], settings.Concat(featureSettings.ToSettings()).ToDictionary());
    }

    /// <summary>Weights so that each (key) cell weighs the same in total: small files and rare classes are not drowned.</summary>
    public static Dictionary<TKey, float> BalancedWeights<TKey>(IEnumerable<TKey> keys)
        where TKey : notnull
    {
        var counts = keys.GroupBy(k => k).ToDictionary(g => g.Key, g => g.Count());
        var total = counts.Values.Sum();
        return counts.ToDictionary(c => c.Key, c => (float)total / counts.Count / c.Value);
    }
}
