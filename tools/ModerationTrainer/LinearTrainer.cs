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
public sealed class LinearTrainer(MLContext ml, int bits, float l1, float l2)
{
    private readonly Dictionary<string, VBuffer<float>> _features = new(StringComparer.Ordinal);
    private readonly FeatureBuffer _buffer = new();

    public int Dimension => 1 << bits;

    public VBuffer<float> Features(string text)
    {
        if (_features.TryGetValue(text, out var cached))
        {
            return cached;
        }

        TextFeatures.Extract(text, bits, _buffer);
        var merged = new SortedDictionary<int, float>();
        for (var i = 0; i < _buffer.Count; i++)
        {
            merged[_buffer.Indices[i]] = merged.GetValueOrDefault(_buffer.Indices[i]) + _buffer.Values[i];
        }

        var vector = new VBuffer<float>(Dimension, merged.Count, [.. merged.Values], [.. merged.Keys]);
        _features[text] = vector;
        return vector;
    }

    public Head TrainBinary(string name, IEnumerable<(string Text, bool Label, float Weight)> examples)
    {
        var rows = examples.Select(e => new BinaryRow { Label = e.Label, Weight = e.Weight, Features = Features(e.Text) }).ToList();
        var schema = SchemaDefinition.Create(typeof(BinaryRow));
        schema[nameof(BinaryRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Dimension);
        var data = ml.Data.LoadFromEnumerable(rows, schema);
        var trainer = ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
        {
            LabelColumnName = nameof(BinaryRow.Label),
            FeatureColumnName = nameof(BinaryRow.Features),
            ExampleWeightColumnName = nameof(BinaryRow.Weight),
            L1Regularization = l1,
            L2Regularization = l2,
            NumberOfThreads = 1,
            OptimizationTolerance = 1e-6f,
            MaximumNumberOfIterations = 500,
        });
        var model = trainer.Fit(data).Model.SubModel;
        Console.WriteLine($"  {name}: {rows.Count} examples, {rows.Count(r => r.Label)} positive, {model.Weights.Count(w => w != 0)} non-zero weights");
        return new Head(name, [.. model.Weights], model.Bias);
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

        return new LinearModel(bits, [.. heads.Select(h => h.Name)], weights, [.. heads.Select(h => h.Bias)], settings);
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
