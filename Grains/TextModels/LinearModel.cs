using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace CommunityScale.TextModels;

/// <summary>
/// Several linear heads over one hashed feature space (<see cref="TextFeatures"/>): a language head, and per task the
/// heads that decide. Weights are laid out bucket by bucket (all heads of one bucket side by side), so scoring a text
/// touches one cache line per feature for every head at once. The file is small: only non-zero weights (the trainer's
/// L1 penalty zeroes most), as half-precision floats, deflated. Its settings (thresholds, labels) travel in the file.
/// </summary>
public sealed class LinearModel
{
    private const string Magic = "CSLM1";

    private readonly float[] _weights;

    public LinearModel(int bits, IReadOnlyList<string> heads, float[] weights, float[] biases, IReadOnlyDictionary<string, double> settings)
    {
        if (weights.Length != (1 << bits) * heads.Count || biases.Length != heads.Count)
        {
            throw new ArgumentException("weights must hold 2^bits × heads values and biases one per head.");
        }

        Bits = bits;
        Features = FeatureSettings.From(bits, settings);
        Heads = heads;
        _weights = weights;
        Biases = biases;
        Settings = settings;
    }

    public int Bits { get; }

    /// <summary>How texts become this model's features (from its settings).</summary>
    public FeatureSettings Features { get; }

    public IReadOnlyList<string> Heads { get; }

    public IReadOnlyList<float> Biases { get; }

    /// <summary>Numbers the model needs at inference (thresholds), chosen by the trainer on its validation split.</summary>
    public IReadOnlyDictionary<string, double> Settings { get; }

    /// <summary>Bytes the weights occupy in memory.</summary>
    public long WeightBytes => (long)_weights.Length * sizeof(float);

    public int HeadIndex(string name)
    {
        for (var i = 0; i < Heads.Count; i++)
        {
            if (Heads[i] == name)
            {
                return i;
            }
        }

        throw new InvalidDataException($"The model has no head \"{name}\" (it has {string.Join(", ", Heads)}).");
    }

    public double Setting(string name) =>
        Settings.TryGetValue(name, out var value) ? value : throw new InvalidDataException($"The model has no setting \"{name}\".");

    /// <summary>The raw score (logit) of every head for these features.</summary>
    public void Score(FeatureBuffer features, Span<float> logits)
    {
        var heads = Heads.Count;
        for (var k = 0; k < heads; k++)
        {
            logits[k] = Biases[k];
        }

        var indices = features.Indices;
        var values = features.Values;
        var weights = _weights.AsSpan();
        for (var i = 0; i < indices.Length; i++)
        {
            var row = weights.Slice(indices[i] * heads, heads);
            var value = values[i];
            for (var k = 0; k < heads; k++)
            {
                logits[k] += row[k] * value;
            }
        }
    }

    public static float Sigmoid(float x) => 1 / (1 + MathF.Exp(-x));

    public void Save(string path)
    {
        using var file = File.Create(path);
        using var deflate = new DeflateStream(file, CompressionLevel.SmallestSize);
        using var writer = new BinaryWriter(deflate, Encoding.UTF8);
        writer.Write(Magic);
        writer.Write(Bits);
        writer.Write(JsonSerializer.Serialize(Heads));
        writer.Write(JsonSerializer.Serialize(Settings));
        foreach (var bias in Biases)
        {
            writer.Write(bias);
        }

        var nonZero = _weights.Count(w => (Half)w != Half.Zero);
        writer.Write(nonZero);
        var last = -1;
        for (var i = 0; i < _weights.Length; i++)
        {
            var half = (Half)_weights[i];
            if (half != Half.Zero)
            {
                writer.Write7BitEncodedInt(i - last);
                writer.Write(half);
                last = i;
            }
        }
    }

    public static LinearModel Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The model file is missing at {path}; train it with tools/ModerationTrainer.", path);
        }

        using var file = File.OpenRead(path);
        using var deflate = new DeflateStream(file, CompressionMode.Decompress);
        using var reader = new BinaryReader(deflate, Encoding.UTF8);
        if (reader.ReadString() != Magic)
        {
            throw new InvalidDataException($"{path} is not a CommunityScale text model ({Magic}).");
        }

        var bits = reader.ReadInt32();
        var heads = JsonSerializer.Deserialize<List<string>>(reader.ReadString()) ?? [];
        var settings = JsonSerializer.Deserialize<Dictionary<string, double>>(reader.ReadString()) ?? [];
        var biases = new float[heads.Count];
        for (var k = 0; k < biases.Length; k++)
        {
            biases[k] = reader.ReadSingle();
        }

        var weights = new float[(1 << bits) * heads.Count];
        var count = reader.ReadInt32();
        var index = -1;
        for (var n = 0; n < count; n++)
        {
            index += reader.Read7BitEncodedInt();
            weights[index] = (float)reader.ReadHalf();
        }

        return new LinearModel(bits, heads, weights, biases, settings);
    }
}
